package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
	"github.com/kubeprim/kubeprim/examples/internal/kube"
	"github.com/kubeprim/kubeprim/kubeconfig"
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("sa-kubeconfig", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		kubeconfigPath = flags.String("kubeconfig", "", "kubeconfig of a real cluster to act on; --kubeconfig= (empty) means $KUBECONFIG or ~/.kube/config. Without the flag: a built-in fake cluster")
		namespace      = flags.String("namespace", "", "namespace of the ServiceAccount (default: the current context's; \"ci\" on the fake cluster)")
		name           = flags.String("name", "deployer", "name of the ServiceAccount")
		create         = flags.Bool("create", true, "create the ServiceAccount when it does not exist")
		role           = flags.String("role", "view", "ClusterRole to bind (view, edit, admin, ...); empty for none")
		clusterWide    = flags.Bool("cluster-wide", false, "bind the role in every namespace (ClusterRoleBinding) instead of only the ServiceAccount's")
		duration       = flags.Duration("duration", kubeconfig.DefaultExpiration, "token lifetime, at least 10m; the API server may shorten it")
		legacy         = flags.Bool("legacy", false, "use a long-lived token Secret instead of TokenRequest (not recommended)")
		server         = flags.String("server", "", "API server URL to write into the kubeconfig (default: the one used to reach the cluster)")
		verify         = flags.Bool("verify", true, "check with a SelfSubjectReview that the token authenticates as the ServiceAccount")
		showToken      = flags.Bool("show-token", false, "print the token instead of REDACTED")
		output         = flags.String("o", "", "write the kubeconfig to this file (mode 0600, atomically) instead of printing it")
	)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: sa-kubeconfig [flags]\n\nMakes a verified kubeconfig for a ServiceAccount. Flags:")
		flags.PrintDefaults()
	}
	if code, ok := cli.Parse(flags, args); !ok {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "sa-kubeconfig: unexpected argument %q\n", flags.Arg(0))
		return 2
	}

	opts := kubeconfig.ServiceAccountOptions{
		Namespace:   *namespace,
		Name:        *name,
		Create:      *create,
		ClusterRole: *role,
		ClusterWide: *clusterWide,
		LegacyToken: *legacy,
		Server:      *server,
		Verify:      *verify,
		// Progress goes to stderr, so stdout holds only the kubeconfig.
		OnEvent: func(e kubeconfig.Event) { fmt.Fprintf(stderr, "%-22s %s\n", e.Type, describe(e)) },
	}
	if !*legacy {
		opts.Expiration = *duration
	}

	useCluster := false
	flags.Visit(func(f *flag.Flag) { useCluster = useCluster || f.Name == "kubeconfig" })
	client, restConfig, err := connect(ctx, useCluster, *kubeconfigPath, &opts)
	if err != nil {
		fmt.Fprintln(stderr, "sa-kubeconfig:", err)
		return 1
	}
	cfg, err := kubeconfig.ForServiceAccount(ctx, client, restConfig, opts)
	if err != nil {
		fmt.Fprintln(stderr, "sa-kubeconfig:", err)
		return 1
	}

	if *output != "" {
		if err := kubeconfig.Write(*output, cfg); err != nil {
			fmt.Fprintln(stderr, "sa-kubeconfig:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s (mode 0600), context %s, %s\n", *output, cfg.CurrentContext, expiry(cfg))
		return 0
	}
	if *showToken {
		data, err := kubeconfig.Marshal(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "sa-kubeconfig:", err)
			return 1
		}
		_, _ = stdout.Write(data)
		return 0
	}
	// Safe prints what kubectl config view prints: no token, no CA bytes.
	fmt.Fprint(stdout, kubeconfig.Safe(cfg))
	fmt.Fprintf(stderr, "%s; --show-token prints it, -o FILE writes the kubeconfig\n", expiry(cfg))
	return 0
}

// connect returns the client to act with: the real cluster's when
// --kubeconfig was given, else the built-in fake's.
func connect(ctx context.Context, useCluster bool, path string, opts *kubeconfig.ServiceAccountOptions) (kubernetes.Interface, *rest.Config, error) {
	if useCluster {
		client, restConfig, namespace, err := kube.Client(path)
		if err != nil {
			return nil, nil, err
		}
		if opts.Namespace == "" {
			opts.Namespace = namespace
		}
		return client, restConfig, nil
	}
	if opts.Namespace == "" {
		opts.Namespace = "ci"
	}
	return fakeCluster(ctx, opts)
}

func describe(e kubeconfig.Event) string {
	object := ""
	switch {
	case e.Kind != "" && e.Namespace != "":
		object = e.Kind + " " + e.Namespace + "/" + e.Name + ": "
	case e.Kind != "":
		object = e.Kind + " " + e.Name + ": "
	}
	return object + e.Message
}

// expiry says when the kubeconfig's token stops working.
func expiry(cfg *clientcmdapi.Config) string {
	exps, err := kubeconfig.Expiry(cfg)
	if err != nil || len(exps) == 0 {
		return "expiry unknown"
	}
	if exps[0].NotAfter.IsZero() {
		return "token never expires (delete its Secret to revoke it)"
	}
	return "token expires " + exps[0].NotAfter.Local().Format(time.RFC3339)
}
