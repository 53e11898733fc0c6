package secrets

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
)

func TestDockerConfigJSON(t *testing.T) {
	t.Parallel()
	// kubectl create secret docker-registry s --docker-username=u
	// --docker-password=p --docker-email=e@example.com stores exactly these
	// bytes (recorded from kubectl v0.36.3's DockerConfigJSON types).
	secret, err := DockerConfigJSON(Meta{Name: "s"}, Registry{Username: "u", Password: "p", Email: "e@example.com"})
	require.NoError(t, err)
	assert.Equal(t, corev1.SecretTypeDockerConfigJson, secret.Type)
	assert.Equal(t, `{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p","email":"e@example.com","auth":"dTpw"}}}`,
		string(secret.Data[corev1.DockerConfigJsonKey]))

	many, err := DockerConfigJSON(Meta{Name: "many"},
		Registry{Server: "ghcr.io", Username: "bot", Password: "pat"},
		Registry{Server: "registry.example.com:5000", Username: "ci", Password: "pa:ss"})
	require.NoError(t, err)
	var parsed struct {
		Auths map[string]struct{ Username, Password, Email, Auth string }
	}
	require.NoError(t, json.Unmarshal(many.Data[corev1.DockerConfigJsonKey], &parsed))
	require.Len(t, parsed.Auths, 2)
	for server, entry := range parsed.Auths {
		auth, err := base64.StdEncoding.DecodeString(entry.Auth)
		require.NoError(t, err)
		assert.Equal(t, entry.Username+":"+entry.Password, string(auth), server)
		assert.Empty(t, entry.Email)
	}
	assert.Equal(t, "ci", parsed.Auths["registry.example.com:5000"].Username)

	legacy, err := DockerCfg(Meta{Name: "old"}, Registry{Server: "ghcr.io", Username: "bot", Password: "pat"})
	require.NoError(t, err)
	assert.Equal(t, corev1.SecretTypeDockercfg, legacy.Type)
	assert.Equal(t, `{"ghcr.io":{"username":"bot","password":"pat","auth":"Ym90OnBhdA=="}}`, string(legacy.Data[corev1.DockerConfigKey]))

	var inputErr *InputError
	for name, registries := range map[string][]Registry{
		"none":               nil,
		"no password":        {{Username: "u"}},
		"no username":        {{Password: "sup3rs3cret"}},
		"colon in username":  {{Username: "a:b", Password: "sup3rs3cret"}},
		"server given twice": {{Server: "x", Username: "a", Password: "sup3rs3cret"}, {Server: "x", Username: "b", Password: "sup3rs3cret"}},
	} {
		_, err := DockerConfigJSON(Meta{Name: "s"}, registries...)
		if assert.ErrorAs(t, err, &inputErr, name) {
			assert.NotContains(t, err.Error(), "sup3rs3cret")
		}
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	secret, err := BasicAuth(Meta{Name: "db"}, "admin", "pw")
	require.NoError(t, err)
	assert.Equal(t, corev1.SecretTypeBasicAuth, secret.Type)
	assert.Equal(t, map[string][]byte{"username": []byte("admin"), "password": []byte("pw")}, secret.Data)

	userOnly, err := BasicAuth(Meta{Name: "db"}, "admin", "")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"username": []byte("admin")}, userOnly.Data)

	_, err = BasicAuth(Meta{Name: "db"}, "", "")
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr)
}

func TestSSHAuth(t *testing.T) {
	t.Parallel()
	secret, line, err := NewSSHAuth(Meta{Name: "git"}, "flux@cluster")
	require.NoError(t, err)
	assert.Equal(t, corev1.SecretTypeSSHAuth, secret.Type)

	signer, err := ssh.ParsePrivateKey(secret.Data[corev1.SSHAuthPrivateKey])
	require.NoError(t, err)
	assert.Equal(t, ssh.KeyAlgoED25519, signer.PublicKey().Type())
	public, comment, _, rest, err := ssh.ParseAuthorizedKey(line)
	require.NoError(t, err)
	assert.Empty(t, rest)
	assert.Equal(t, "flux@cluster", comment)
	assert.Equal(t, signer.PublicKey().Marshal(), public.Marshal(), "the authorized_keys line is the private key's")
	assert.Equal(t, line, secret.Data[SSHPublicKeyKey])

	again, _, err := NewSSHAuth(Meta{Name: "git"}, "")
	require.NoError(t, err)
	assert.NotEqual(t, secret.Data[corev1.SSHAuthPrivateKey], again.Data[corev1.SSHAuthPrivateKey], "each call makes a new key")

	// An existing key: stored as given, public half added.
	stored, err := SSHAuth(Meta{Name: "git"}, secret.Data[corev1.SSHAuthPrivateKey])
	require.NoError(t, err)
	assert.Equal(t, secret.Data[corev1.SSHAuthPrivateKey], stored.Data[corev1.SSHAuthPrivateKey])
	assert.True(t, strings.HasPrefix(string(stored.Data[SSHPublicKeyKey]), "ssh-ed25519 "))

	var inputErr *InputError
	_, err = SSHAuth(Meta{Name: "git"}, []byte("not a key"))
	assert.ErrorAs(t, err, &inputErr)
	_, _, err = NewSSHAuth(Meta{Name: "git"}, "two\nlines")
	assert.ErrorAs(t, err, &inputErr)

	rawKey, err := ssh.ParseRawPrivateKey(secret.Data[corev1.SSHAuthPrivateKey])
	require.NoError(t, err)
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(rawKey, "", []byte("passphrase"))
	require.NoError(t, err)
	_, err = SSHAuth(Meta{Name: "git"}, encodePEM(encrypted.Type, encrypted.Bytes))
	assert.ErrorAs(t, err, &inputErr, "an encrypted key is refused")
}

// TestBootstrapToken follows kubeadm's layout (encodeTokenSecretData in
// cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go) and defaults.
func TestBootstrapToken(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	clock := func() time.Time { return now }

	secret, token, err := BootstrapToken(BootstrapTokenOptions{Now: clock})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(bootstrapapi.BootstrapTokenPattern), token)
	id, tokenSecret, _ := strings.Cut(token, ".")
	assert.Equal(t, "bootstrap-token-"+id, secret.Name)
	assert.Equal(t, "kube-system", secret.Namespace)
	assert.Equal(t, bootstrapapi.SecretTypeBootstrapToken, secret.Type)
	assert.Equal(t, map[string][]byte{
		"token-id":                       []byte(id),
		"token-secret":                   []byte(tokenSecret),
		"expiration":                     []byte("2026-06-02T10:00:00Z"),
		"usage-bootstrap-signing":        []byte("true"),
		"usage-bootstrap-authentication": []byte("true"),
		"auth-extra-groups":              []byte("system:bootstrappers:kubeadm:default-node-token"),
	}, secret.Data)

	_, other, err := BootstrapToken(BootstrapTokenOptions{Now: clock})
	require.NoError(t, err)
	assert.NotEqual(t, token, other)

	given, token, err := BootstrapToken(BootstrapTokenOptions{
		ID: "abcdef", Secret: "0123456789abcdef", Description: "for the CI workers",
		Expires: now.Add(time.Hour), Usages: []string{"authentication"},
		Groups: []string{"system:bootstrappers:ci", "system:bootstrappers:ci:workers"}, Now: clock,
	})
	require.NoError(t, err)
	assert.Equal(t, "abcdef.0123456789abcdef", token)
	assert.Equal(t, "bootstrap-token-abcdef", given.Name)
	assert.Equal(t, "for the CI workers", string(given.Data["description"]))
	assert.Equal(t, "2026-06-01T11:00:00Z", string(given.Data["expiration"]))
	assert.Equal(t, "system:bootstrappers:ci,system:bootstrappers:ci:workers", string(given.Data["auth-extra-groups"]))
	assert.NotContains(t, given.Data, "usage-bootstrap-signing")

	forever, _, err := BootstrapToken(BootstrapTokenOptions{NoExpiry: true})
	require.NoError(t, err)
	assert.NotContains(t, forever.Data, "expiration")

	var inputErr *InputError
	for name, opts := range map[string]BootstrapTokenOptions{
		"upper-case ID":           {ID: "ABCDEF"},
		"short secret":            {Secret: "0123"},
		"unknown usage":           {Usages: []string{"signing", "everything"}},
		"no usage":                {Usages: []string{}},
		"group outside bootstrap": {Groups: []string{"system:masters"}},
		"expired":                 {Expires: now.Add(-time.Minute), Now: clock},
		"negative TTL":            {TTL: -time.Hour},
		"no expiry and TTL":       {NoExpiry: true, TTL: time.Hour},
	} {
		_, _, err := BootstrapToken(opts)
		if assert.ErrorAs(t, err, &inputErr, name) && opts.Secret != "" {
			assert.NotContains(t, err.Error(), opts.Secret)
		}
	}
}

func TestServiceAccountToken(t *testing.T) {
	t.Parallel()
	secret, err := ServiceAccountToken(Meta{Name: "build-robot-secret", Namespace: "ci"}, "build-robot")
	require.NoError(t, err)
	assert.Equal(t, corev1.SecretTypeServiceAccountToken, secret.Type)
	assert.Equal(t, "build-robot", secret.Annotations[corev1.ServiceAccountNameKey])
	assert.Empty(t, secret.Data)

	var inputErr *InputError
	_, err = ServiceAccountToken(Meta{Name: "x"}, "")
	assert.ErrorAs(t, err, &inputErr)
	_, err = ServiceAccountToken(Meta{Name: "x", Immutable: true}, "sa")
	assert.ErrorAs(t, err, &inputErr)
}

func TestMetaIsChecked(t *testing.T) {
	t.Parallel()
	var invalid *InvalidSecretError
	_, err := BasicAuth(Meta{}, "u", "p")
	assert.ErrorAs(t, err, &invalid, "no name")
	_, err = BasicAuth(Meta{Name: "UPPER"}, "u", "p")
	assert.ErrorAs(t, err, &invalid, "name not a DNS subdomain")
	_, err = BasicAuth(Meta{Name: strings.Repeat("a", 250), AppendHash: true}, "u", "p")
	assert.ErrorAs(t, err, &invalid, "the hash makes the name too long")

	labels := map[string]string{"app": "web"}
	secret, err := BasicAuth(Meta{Name: "web", Labels: labels, Annotations: map[string]string{"note": "x"}}, "u", "p")
	require.NoError(t, err)
	labels["app"] = "changed"
	assert.Equal(t, "web", secret.Labels["app"], "the builder copies the maps")
	assert.Equal(t, "x", secret.Annotations["note"])
	assert.Equal(t, "Secret", secret.Kind)
	assert.Equal(t, "v1", secret.APIVersion)
}
