package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/examples/internal/kube"
	"github.com/kubeprim/kubeprim/internal/manifest"
	"github.com/kubeprim/kubeprim/secrets"
)

//go:embed secret.yaml
var sampleManifest []byte

// generateAnnotation lists the keys to generate, as key=alphabet:length
// separated by commas. It is this program's convention; the library takes
// generators in EnsureOptions.Generate.
const generateAnnotation = "examples.kubeprim.io/generate"

func runEnsure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ensure", "Creates each Secret of a manifest, or keeps the one in the cluster: existing\n"+
		"values are never changed, only missing keys are added. Without --kubeconfig it\n"+
		"runs twice on an in-memory cluster, with a key added by hand in between.", stderr)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of a real cluster; empty runs on an in-memory cluster")
	file := fs.String("f", "", "manifest of Secrets (YAML or JSON, several documents); default: the bundled secret.yaml")
	namespace := fs.String("n", "", "namespace of Secrets that name none; default: the kubeconfig context's, else \"default\"")
	var generate, regenerate listFlag
	fs.Var(&generate, "generate", "a key to generate when missing, key=alphabet:length, e.g. token=hex:64 (repeatable); adds to the manifest's "+generateAnnotation+" annotation")
	fs.Var(&regenerate, "regenerate", "a key to give a new value even though it exists (repeatable)")
	dryRun := fs.Bool("dry-run", false, "read the cluster and print what would change, writing nothing")
	output := fs.String("o", "table", "output: table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *output != "table" && *output != "json" {
		return fmt.Errorf("-o %q: use table or json", *output)
	}

	raw := sampleManifest
	if *file != "" {
		var err error
		if raw, err = os.ReadFile(*file); err != nil {
			return err
		}
	}
	wanted, err := decodeSecrets(raw)
	if err != nil {
		return err
	}

	var client kubernetes.Interface
	defaultNamespace := "default"
	if *kubeconfig != "" {
		if client, _, defaultNamespace, err = kube.Client(*kubeconfig); err != nil {
			return err
		}
	} else {
		client = fake.NewClientset()
	}
	if *namespace != "" {
		defaultNamespace = *namespace
	}

	p := printer{out: stdout, json: *output == "json"}
	// On the in-memory cluster, show the point of Ensure: a second run after
	// a hand edit keeps everything. A dry run writes nothing to run against.
	runs := 1
	if *kubeconfig == "" && !*dryRun {
		runs = 2
	}
	for run := 1; run <= runs; run++ {
		if run == 2 {
			if err := addKeyByHand(ctx, client, wanted, defaultNamespace); err != nil {
				return err
			}
			p.note("(someone adds the key \"note\" to each Secret by hand)")
		}
		for _, secret := range wanted {
			if secret.Namespace == "" {
				secret.Namespace = defaultNamespace
			}
			opts := secrets.EnsureOptions{Regenerate: regenerate, DryRun: *dryRun, FieldManager: "kubeprim-example"}
			if opts.Generate, err = generators(secret.Annotations[generateAnnotation], generate); err != nil {
				return err
			}
			report, err := secrets.Ensure(ctx, client, secret, opts)
			if report != nil {
				p.report(run, report)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeSecrets(raw []byte) ([]*corev1.Secret, error) {
	objects, err := manifest.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var found []*corev1.Secret
	for _, obj := range objects {
		if secret, ok := obj.(*corev1.Secret); ok {
			found = append(found, secret)
		}
	}
	if len(found) == 0 {
		return nil, errors.New("the manifest holds no Secret")
	}
	return found, nil
}

// generators parses key=alphabet:length specs: the annotation's, then the
// flags'.
func generators(annotation string, flags []string) (map[string]secrets.Generator, error) {
	specs := flags
	if annotation != "" {
		specs = append(strings.Split(annotation, ","), flags...)
	}
	gens := map[string]secrets.Generator{}
	for _, spec := range specs {
		key, rest, ok := strings.Cut(strings.TrimSpace(spec), "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("generate %q: expected key=alphabet:length", spec)
		}
		alphabetName, lengthText, hasLength := strings.Cut(rest, ":")
		alphabet, ok := alphabets[alphabetName]
		if !ok {
			return nil, fmt.Errorf("generate %q: unknown alphabet %q; use one of %s", spec, alphabetName, alphabetNames())
		}
		length := 32
		if hasLength {
			var err error
			if length, err = strconv.Atoi(lengthText); err != nil || length < 1 || length > secrets.MaxValueLength {
				return nil, fmt.Errorf("generate %q: length %q is not a number from 1 to %d", spec, lengthText, secrets.MaxValueLength)
			}
		}
		gens[key] = secrets.RandomValue(alphabet, length)
	}
	return gens, nil
}

// addKeyByHand plays the colleague who edits the Secret with kubectl edit.
func addKeyByHand(ctx context.Context, client kubernetes.Interface, wanted []*corev1.Secret, defaultNamespace string) error {
	for _, w := range wanted {
		ns := w.Namespace
		if ns == "" {
			ns = defaultNamespace
		}
		secret, err := client.CoreV1().Secrets(ns).Get(ctx, w.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if secret.Data == nil {
			secret.Data = map[string][]byte{}
		}
		secret.Data["note"] = []byte("added by hand")
		if _, err := client.CoreV1().Secrets(ns).Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// printer writes reports as a table per Secret, or as JSON lines.
type printer struct {
	out  io.Writer
	json bool
}

func (p printer) note(text string) {
	if !p.json {
		fmt.Fprintf(p.out, "%s\n\n", text)
	}
}

func (p printer) report(run int, r *secrets.EnsureReport) {
	if p.json {
		line, _ := json.Marshal(r)
		fmt.Fprintf(p.out, "%s\n", line)
		return
	}
	dry := ""
	if r.DryRun {
		dry = " (dry run: nothing written)"
	}
	fmt.Fprintf(p.out, "run %d: %s %s/%s%s\n", run, r.Action, r.Namespace, r.Name, dry)
	table := tabwriter.NewWriter(p.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(table, "KEY\tRESULT")
	rows := map[string]string{}
	for _, k := range r.Added {
		rows[k] = "added"
	}
	for _, k := range r.Kept {
		rows[k] = "kept"
	}
	for _, k := range r.Drifted {
		rows[k] = "kept (differs from the manifest)"
	}
	for _, k := range r.Regenerated {
		rows[k] = "regenerated"
	}
	for _, k := range r.Deleted {
		rows[k] = "deleted"
	}
	for _, k := range r.Unmanaged {
		rows[k] = "kept (not in the manifest)"
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		fmt.Fprintf(table, "%s\t%s\n", k, rows[k])
	}
	table.Flush()
	if r.Reason != "" {
		fmt.Fprintf(p.out, "reason: %s\n", r.Reason)
	}
	fmt.Fprintln(p.out)
}
