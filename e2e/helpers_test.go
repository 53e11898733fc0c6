package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// waitUntil polls check every 200ms until it returns nil, failing the test
// with check's last error when timeout passes or the control plane dies.
func waitUntil(t testing.TB, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	waitUntilCtx(t.Context(), t, timeout, what, check)
}

// waitUntilCtx is waitUntil under ctx, for cleanups, which run after
// t.Context() is canceled.
func waitUntilCtx(ctx context.Context, t testing.TB, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	start, slow := time.Now(), 15*time.Second
	for {
		if err := kube.Running(); err != nil {
			require.FailNow(t, "control plane down while waiting for "+what, err.Error())
		}
		last := check(ctx)
		if last == nil {
			if d := time.Since(start); d > slow {
				t.Logf("waited %s for %s", d.Round(time.Millisecond), what)
			}
			return
		}
		if time.Since(start) > slow {
			t.Logf("still waiting for %s: %v", what, last)
			slow *= 2
		}
		select {
		case <-ctx.Done():
			require.FailNow(t, fmt.Sprintf("timed out after %s waiting for %s", timeout, what), last.Error())
		case <-tick.C:
		}
	}
}

// newNamespace creates a namespace for one test, waits until pods can be
// created in it (its default ServiceAccount exists), and deletes it when the
// test ends.
func newNamespace(t testing.TB, prefix string) string {
	t.Helper()
	client := kube.Client()
	ns, err := client.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		err := client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	waitUntil(t, 30*time.Second, "default ServiceAccount in "+ns.Name, func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	return ns.Name
}

// createNodes creates kwok nodes, waits until each is Ready and untainted,
// and deletes them when the test ends (waiting, so the next test's scheduler
// sees only its own nodes).
func createNodes(t testing.TB, nodes ...*corev1.Node) {
	t.Helper()
	for _, n := range nodes {
		_, err := kube.CreateNode(t.Context(), n)
		require.NoError(t, err)
		name := n.Name
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := kube.DeleteNode(ctx, name); err != nil {
				t.Errorf("delete node %s: %v", name, err)
			}
		})
	}
}

func podReady(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// testSeed is the seed of a randomized test: E2E_SEED when set, so a failure
// can be replayed, otherwise a new one, logged either way.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv("E2E_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "E2E_SEED")
		t.Logf("seed %d (from E2E_SEED)", seed)
		return seed
	}
	seed := rand.Uint64()
	t.Logf("seed %d (replay with E2E_SEED=%d)", seed, seed)
	return seed
}
