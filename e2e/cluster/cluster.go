package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/e2e/bins"
	"github.com/kubeprim/kubeprim/kubeconfig"
)

// Options configure Start. Only Bins is required.
type Options struct {
	// Bins are the component binaries, from bins.Ensure.
	Bins bins.Paths
	// Log receives one line per start-up step, and the components' log
	// tails when start-up fails; nil discards.
	Log io.Writer
	// StartTimeout bounds the whole start-up; zero means 3 minutes, enough
	// for a cold API server on 2 busy cores.
	StartTimeout time.Duration
}

// Cluster is a running control plane. Its methods are safe for concurrent
// use; Stop ends it.
type Cluster struct {
	dir    string
	server string
	log    io.Writer

	mu      sync.Mutex
	procs   []*process // in start order
	stopped bool

	pki    *certs.PKI
	admin  *rest.Config
	client kubernetes.Interface
}

// The kubeadm file names of the kubeconfigs the harness writes.
const (
	adminConf             = kubeconfig.AdminConf
	superAdminConf        = kubeconfig.SuperAdminConf
	controllerManagerConf = kubeconfig.ControllerManagerConf
	schedulerConf         = kubeconfig.SchedulerConf
)

// ServiceCIDR is the cluster's service IP range; the API server's
// certificate covers its first address.
const ServiceCIDR = "10.96.0.0/16"

// Start brings up etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok on free loopback ports, and returns once a pod
// scheduled onto a kwok node has become Ready. When it fails it prints the
// components' log tails to Options.Log and leaves nothing running or on disk.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if opts.Bins.APIServer == "" {
		return nil, errors.New("cluster: Options.Bins is empty; get it from bins.Ensure")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	removeStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create the cluster directory: %w", err)
	}
	c := &Cluster{dir: dir, log: opts.Log}
	defer func() {
		if err != nil {
			c.WriteLogTails(opts.Log, 40)
			if stopErr := c.Stop(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return nil, err
	}
	for _, d := range []string{c.logDir(), c.pkiDir(), filepath.Join(dir, "etcd")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}

	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	p := portSet{etcdClient: ports[0], etcdPeer: ports[1], apiserver: ports[2], controllerManager: ports[3], scheduler: ports[4]}
	c.server = "https://127.0.0.1:" + strconv.Itoa(p.apiserver)

	step := c.step("PKI and kubeconfigs")
	if c.pki, err = bootstrapPKI(c.pkiDir(), dir, c.server); err != nil {
		return nil, err
	}
	step()

	step = c.step("etcd")
	if err := c.start("etcd", opts.Bins.Etcd, etcdArgs(dir, c.pkiDir(), p)...); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "etcd health", func(ctx context.Context) error { return etcdHealthy(ctx, c.pkiDir(), p.etcdClient) }); err != nil {
		return nil, err
	}
	step()

	step = c.step("kube-apiserver")
	if err := c.start("kube-apiserver", opts.Bins.APIServer, apiserverArgs(c.pkiDir(), p)...); err != nil {
		return nil, err
	}
	superAdmin, err := restConfig(dir, superAdminConf)
	if err != nil {
		return nil, err
	}
	superClient, err := kubernetes.NewForConfig(superAdmin)
	if err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "kube-apiserver /readyz", func(ctx context.Context) error { return readyz(ctx, superClient) }); err != nil {
		return nil, err
	}
	// kubeadm binds admin.conf's group to cluster-admin after init; the
	// super-admin (system:masters) does the same here.
	if err := bindClusterAdmins(ctx, superClient); err != nil {
		return nil, err
	}
	if c.admin, err = restConfig(dir, adminConf); err != nil {
		return nil, err
	}
	if c.client, err = kubernetes.NewForConfig(c.admin); err != nil {
		return nil, err
	}
	step()

	step = c.step("kube-controller-manager, kube-scheduler, kwok")
	if err := c.start("kube-controller-manager", opts.Bins.ControllerManager, controllerManagerArgs(dir, c.pkiDir(), p)...); err != nil {
		return nil, err
	}
	if err := c.start("kube-scheduler", opts.Bins.Scheduler, schedulerArgs(dir, p)...); err != nil {
		return nil, err
	}
	if err := c.start("kwok", opts.Bins.Kwok, kwokArgs(dir, opts.Bins.Stages)...); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "kube-controller-manager /healthz", func(ctx context.Context) error { return healthz(ctx, p.controllerManager, "/healthz") }); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "kube-scheduler /readyz", func(ctx context.Context) error { return healthz(ctx, p.scheduler, "/readyz") }); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "the default ServiceAccount and kube-root-ca.crt", func(ctx context.Context) error { return namespaceReady(ctx, c.client, "default") }); err != nil {
		return nil, err
	}
	step()

	step = c.step("a canary pod Running and Ready on a kwok node")
	if err := c.canary(ctx); err != nil {
		return nil, err
	}
	step()
	return c, nil
}

// Config returns a copy of the admin's rest config (admin.conf, group
// kubeadm:cluster-admins bound to cluster-admin).
func (c *Cluster) Config() *rest.Config { return rest.CopyConfig(c.admin) }

// Client is a clientset for the admin.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// Server is the API server's URL.
func (c *Cluster) Server() string { return c.server }

// KubeconfigPath is the admin kubeconfig file, for programs run with
// --kubeconfig.
func (c *Cluster) KubeconfigPath() string { return filepath.Join(c.dir, adminConf) }

// PKI is the certificate tree the control plane runs on; its cluster CA
// signs every client certificate and every CSR the controller manager
// approves for the kubernetes.io signers.
func (c *Cluster) PKI() *certs.PKI { return c.pki }

// PKIDir is the kubeadm-layout PKI directory the control plane runs on.
func (c *Cluster) PKIDir() string { return c.pkiDir() }

func (c *Cluster) pkiDir() string { return filepath.Join(c.dir, "pki") }
func (c *Cluster) logDir() string { return filepath.Join(c.dir, "logs") }

// Stop ends every component, newest first, each by its own process group,
// and removes the cluster directory. It is idempotent.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	var errs []error
	for i := len(c.procs) - 1; i >= 0; i-- {
		if err := c.procs[i].stop(15 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", c.dir, err))
	}
	return errors.Join(errs...)
}

// WriteLogTails writes the last n lines of every component's log to w.
func (c *Cluster) WriteLogTails(w io.Writer, n int) {
	c.mu.Lock()
	procs := append([]*process(nil), c.procs...)
	c.mu.Unlock()
	for _, p := range procs {
		p.tail(w, n)
	}
}

// SaveLogs copies every component's log into a new directory under the
// system temporary directory, which outlives Stop, and returns its path.
func (c *Cluster) SaveLogs() (string, error) {
	dst, err := os.MkdirTemp("", "kubeprim-e2e-logs-")
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(c.logDir())
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(c.logDir(), e.Name()))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			return "", err
		}
	}
	return dst, nil
}

func (c *Cluster) start(name, bin string, args ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("cluster stopped")
	}
	p, err := startProcess(name, c.logDir(), bin, args...)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// running reports the first component that has exited.
func (c *Cluster) running() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if err := p.running(); err != nil {
			return err
		}
	}
	return nil
}

// Running reports an error naming the first component that has exited, so a
// test that sees strange answers can tell a crashed control plane apart.
func (c *Cluster) Running() error { return c.running() }

func (c *Cluster) step(what string) func() {
	start := time.Now()
	return func() {
		fmt.Fprintf(c.log, "e2e cluster: %s ready in %s\n", what, time.Since(start).Round(10*time.Millisecond))
	}
}
