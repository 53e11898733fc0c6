package secrets_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/secrets"
)

// The same password Helm renders for
// {{ derivePassword 1 "long" "password" "user" "example.com" }}.
func ExampleDerivePassword() {
	password, err := secrets.DerivePassword(1, "long", "password", "user", "example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(password)

	_, err = secrets.DerivePassword(1, "Long", "password", "user", "example.com")
	fmt.Println(err)
	// Output:
	// ZedaFaxcZaso9*
	// secrets: unknown password type "Long": use one of basic, long, maximum, medium, name, phrase, pin, short (names are case-sensitive, as in Helm)
}

// One scrypt for the user, then one HMAC per site: derive every password of
// a chart's values at once.
func ExampleNewDeriver() {
	deriver, err := secrets.NewDeriver("Robert Lee Mitchell", "banana colored duckling")
	if err != nil {
		log.Fatal(err)
	}
	defer deriver.Close()

	for _, site := range []string{"masterpasswordapp.com", "twitter.com"} {
		password, err := deriver.Password(site, 1, "long")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(site, password)
	}
	login, _ := deriver.Login("masterpasswordapp.com", 1)
	fmt.Println("login", login)
	// Output:
	// masterpasswordapp.com Jejr5[RepuSosp
	// twitter.com PozoLalv0_Yelo
	// login wohzaqage
}

// A kubernetes.io/tls Secret from a CA and a server certificate made by
// package certs; the key is checked against the certificate and the
// certificate against the CA.
func ExampleTLSFromKeyPair() {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "shop-ca"})
	if err != nil {
		log.Fatal(err)
	}
	pair, err := ca.Issue(certs.CertOptions{CommonName: "shop.example.com", DNSNames: []string{"shop.example.com"}, Profile: certs.ProfileServer})
	if err != nil {
		log.Fatal(err)
	}
	secret, err := secrets.TLSFromKeyPair(secrets.Meta{Name: "shop-tls", Namespace: "shop"}, pair, secrets.TLSOptions{CA: ca.CertPEM()})
	if err != nil {
		log.Fatal(err)
	}
	keys := make([]string, 0, len(secret.Data))
	for key := range secret.Data {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	fmt.Println(secret.Name, secret.Type, keys)
	// Output:
	// shop-tls kubernetes.io/tls [ca.crt tls.crt tls.key]
}

// Ensure on every deploy: the first run creates the Secret with generated
// values, later runs keep them, and a key added by hand survives.
func ExampleEnsure() {
	ctx := context.Background()
	client := fake.NewClientset()
	desired := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"},
		Type:       corev1.SecretTypeBasicAuth,
		Data:       map[string][]byte{"username": []byte("shop")},
	}
	opts := secrets.EnsureOptions{Generate: map[string]secrets.Generator{
		"password": secrets.RandomValue(secrets.AlphaNumeric, 32),
	}}

	report, err := secrets.Ensure(ctx, client, desired, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(report.Action, "added", report.Added)
	first, _ := client.CoreV1().Secrets("shop").Get(ctx, "db", metav1.GetOptions{})

	// Someone adds a key by hand.
	edited := first.DeepCopy()
	edited.Data["note"] = []byte("rotated by ops")
	if _, err := client.CoreV1().Secrets("shop").Update(ctx, edited, metav1.UpdateOptions{}); err != nil {
		log.Fatal(err)
	}

	report, err = secrets.Ensure(ctx, client, desired, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(report.Action, "kept", report.Kept, "unmanaged", report.Unmanaged)
	now, _ := client.CoreV1().Secrets("shop").Get(ctx, "db", metav1.GetOptions{})
	fmt.Println("password unchanged:", string(now.Data["password"]) == string(first.Data["password"]))
	// Output:
	// Created added [password username]
	// Unchanged kept [password username] unmanaged [note]
	// password unchanged: true
}

func ExampleGenerate() {
	password, err := secrets.Generate(secrets.AlphaNumeric, 32)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d characters, %.1f bits\n", len(password), secrets.AlphaNumeric.EntropyBits(32))
	fmt.Println("length for 128 bits of hex:", secrets.Hex.LengthFor(128))
	// Output:
	// 32 characters, 190.5 bits
	// length for 128 bits of hex: 32
}

// A value derived from the object's coordinates renders the same every time,
// so helm template, GitOps and dry runs agree without reading the cluster.
func ExampleObjectDeriver_Value() {
	deriver, err := secrets.NewObjectDeriver([]byte("a 32-byte master secret for demo"))
	if err != nil {
		log.Fatal(err)
	}
	defer deriver.Close()
	ref := secrets.ValueRef{Namespace: "shop", Name: "db", Key: "password"}
	first, _ := deriver.Value(ref, 1, secrets.AlphaNumeric, 24)
	again, _ := deriver.Value(ref, 1, secrets.AlphaNumeric, 24)
	rotated, _ := deriver.Value(ref, 2, secrets.AlphaNumeric, 24)
	fmt.Println(len(first), first == again, first == rotated)
	// Output:
	// 24 true false
}

// kubectl create secret generic app --from-literal=password=s3cr3t
// --from-literal=user=admin --append-hash gives the same name.
func ExampleOpaque() {
	secret, err := secrets.Opaque(secrets.Meta{Name: "app", AppendHash: true, Immutable: true},
		secrets.FromLiteral("password", "s3cr3t"), secrets.FromLiteral("user", "admin"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(secret.Name, *secret.Immutable)
	// Output:
	// app-746gdh689m true
}

func ExampleBootstrapToken() {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	secret, token, err := secrets.BootstrapToken(secrets.BootstrapTokenOptions{
		ID: "abcdef", Secret: "0123456789abcdef", Now: func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(secret.Namespace+"/"+secret.Name, secret.Type)
	fmt.Println("expiration", string(secret.Data["expiration"]))
	fmt.Println("token has", len(strings.Split(token, ".")), "parts")
	// Output:
	// kube-system/bootstrap-token-abcdef bootstrap.kubernetes.io/token
	// expiration 2026-06-02T12:00:00Z
	// token has 2 parts
}
