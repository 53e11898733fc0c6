package secrets

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var secretsResource = schema.GroupResource{Resource: "secrets"}

// appSecret is the desired Secret of most tests: a fixed username and a
// generated password and API key.
func appSecret() (*corev1.Secret, EnsureOptions) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop", Labels: map[string]string{"app": "shop"}},
		Data:       map[string][]byte{"username": []byte("shop")},
	}
	return secret, EnsureOptions{Generate: map[string]Generator{
		"password": RandomValue(AlphaNumeric, 32),
		"api-key":  RandomValue(Hex, 64),
	}}
}

func getSecret(t *testing.T, client *fake.Clientset, ns, name string) *corev1.Secret {
	t.Helper()
	secret, err := client.CoreV1().Secrets(ns).Get(t.Context(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return secret
}

// writes lists the create, update and delete actions the fake saw.
func writes(client *fake.Clientset) []string {
	var verbs []string
	for _, a := range client.Actions() {
		switch a.GetVerb() {
		case "create", "update", "delete", "patch":
			verbs = append(verbs, a.GetVerb())
		}
	}
	return verbs
}

func TestEnsureCreatesThenKeeps(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	desired, opts := appSecret()

	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionCreated, report.Action)
	assert.Equal(t, []string{"api-key", "password", "username"}, report.Added)
	first := getSecret(t, client, "shop", "app")
	assert.Equal(t, "shop", string(first.Data["username"]))
	assert.Len(t, first.Data["password"], 32)
	assert.Len(t, first.Data["api-key"], 64)
	assert.Equal(t, "shop", first.Labels["app"])

	// The second run changes nothing and writes nothing.
	client.ClearActions()
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUnchanged, report.Action)
	assert.False(t, report.Changed())
	assert.Equal(t, []string{"api-key", "password", "username"}, report.Kept)
	assert.Empty(t, writes(client))
	assert.Equal(t, first.Data, getSecret(t, client, "shop", "app").Data)

	assert.Equal(t, map[string][]byte{"username": []byte("shop")}, desired.Data, "the desired Secret is not modified")
}

// TestEnsureKeepsHandEdits is the upgrade story: someone adds a key by hand
// and changes a generated value by hand; Ensure keeps both, and when a new
// generated key appears in the options, adds only that one.
func TestEnsureKeepsHandEdits(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	desired, opts := appSecret()
	_, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)

	edited := getSecret(t, client, "shop", "app")
	edited.Data["extra"] = []byte("added by hand")
	edited.Data["password"] = []byte("chosen by a human")
	edited.Data["username"] = []byte("renamed")
	_, err = client.CoreV1().Secrets("shop").Update(t.Context(), edited, metav1.UpdateOptions{})
	require.NoError(t, err)
	before := getSecret(t, client, "shop", "app").Data

	client.ClearActions()
	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUnchanged, report.Action)
	assert.Equal(t, []string{"extra"}, report.Unmanaged)
	assert.Equal(t, []string{"username"}, report.Drifted)
	assert.Empty(t, writes(client))
	assert.Equal(t, before, getSecret(t, client, "shop", "app").Data)

	opts.Generate["session-key"] = RandomValue(Base64URL, 43)
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.Equal(t, []string{"session-key"}, report.Added)
	after := getSecret(t, client, "shop", "app").Data
	for key, value := range before {
		assert.Equal(t, value, after[key], "key %s kept its value", key)
	}
	assert.Len(t, after["session-key"], 43)
}

func TestEnsureRegenerateDeletePrune(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	desired, opts := appSecret()
	_, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	edited := getSecret(t, client, "shop", "app")
	edited.Data["old-token"] = []byte("x")
	edited.Data["by-hand"] = []byte("y")
	edited.Data["username"] = []byte("renamed")
	_, err = client.CoreV1().Secrets("shop").Update(t.Context(), edited, metav1.UpdateOptions{})
	require.NoError(t, err)
	before := getSecret(t, client, "shop", "app").Data

	regen := opts
	regen.Regenerate = []string{"password", "username"}
	regen.Delete = []string{"old-token", "never-existed"}
	report, err := Ensure(t.Context(), client, desired, regen)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.Equal(t, []string{"password", "username"}, report.Regenerated)
	assert.Equal(t, []string{"old-token"}, report.Deleted)
	assert.Equal(t, []string{"by-hand"}, report.Unmanaged)
	after := getSecret(t, client, "shop", "app").Data
	assert.NotEqual(t, before["password"], after["password"])
	assert.Equal(t, "shop", string(after["username"]), "a regenerated fixed key gets its desired value")
	assert.Equal(t, before["api-key"], after["api-key"])
	assert.NotContains(t, after, "old-token")
	assert.Equal(t, before["by-hand"], after["by-hand"])

	prune := opts
	prune.Prune = true
	report, err = Ensure(t.Context(), client, desired, prune)
	require.NoError(t, err)
	assert.Equal(t, []string{"by-hand"}, report.Deleted)
	assert.NotContains(t, getSecret(t, client, "shop", "app").Data, "by-hand")
}

func TestEnsureDryRun(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	desired, opts := appSecret()
	opts.DryRun = true
	var events []Event
	opts.OnEvent = func(e Event) { events = append(events, e) }

	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.True(t, report.DryRun)
	assert.Equal(t, ActionCreated, report.Action)
	assert.Equal(t, []string{"api-key", "password", "username"}, report.Added)
	assert.Empty(t, writes(client))
	require.Len(t, events, 1)
	assert.Equal(t, EventDryRun, events[0].Type)

	opts.DryRun = false
	opts.OnEvent = nil
	_, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	before := getSecret(t, client, "shop", "app").Data
	opts.DryRun = true
	opts.Regenerate = []string{"password"}
	client.ClearActions()
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.Equal(t, []string{"password"}, report.Regenerated)
	assert.Empty(t, writes(client))
	assert.Equal(t, before, getSecret(t, client, "shop", "app").Data)
}

func TestEnsureImmutable(t *testing.T) {
	t.Parallel()
	yes := true
	existing := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop", UID: "uid-1"},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"username": []byte("shop"), "password": []byte("kept")},
		Immutable:  &yes,
	}
	desired, opts := appSecret() // wants api-key too

	client := fake.NewClientset(existing)
	report, err := Ensure(t.Context(), client, desired, opts)
	var immutableErr *ImmutableError
	require.ErrorAs(t, err, &immutableErr)
	assert.Equal(t, []string{"api-key"}, immutableErr.Keys)
	assert.Equal(t, ActionRefused, report.Action)
	assert.Empty(t, writes(client))

	// No data to change: the metadata of an immutable Secret may change.
	complete := existing.DeepCopy()
	complete.Data["api-key"] = []byte("k")
	client = fake.NewClientset(complete)
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.Equal(t, []string{"labels[app]"}, report.MetadataChanged)
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUnchanged, report.Action)

	opts.AllowRecreate = true
	client = fake.NewClientset(existing)
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionRecreated, report.Action)
	assert.Equal(t, []string{"delete", "create"}, writes(client))
	after := getSecret(t, client, "shop", "app")
	assert.Equal(t, "kept", string(after.Data["password"]))
	assert.Len(t, after.Data["api-key"], 64)
	require.NotNil(t, after.Immutable)
	assert.True(t, *after.Immutable, "a recreated immutable Secret stays immutable")
}

func TestEnsureSetsImmutable(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	desired, opts := appSecret()
	_, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	yes := true
	desired.Immutable = &yes
	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.True(t, report.ImmutableSet)
	assert.True(t, *getSecret(t, client, "shop", "app").Immutable)

	no := false
	desired.Immutable = &no
	_, err = Ensure(t.Context(), client, desired, opts)
	var immutableErr *ImmutableError
	assert.ErrorAs(t, err, &immutableErr, "immutable cannot be unset in place")
}

func TestEnsureType(t *testing.T) {
	t.Parallel()
	existing := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", UID: "uid-1"},
		Data:       map[string][]byte{"username": []byte("admin"), "password": []byte("hand-made")},
	}
	desired := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"}, Type: corev1.SecretTypeBasicAuth,
		Data: map[string][]byte{"username": []byte("admin")}}
	opts := EnsureOptions{Generate: map[string]Generator{"password": RandomValue(AlphaNumeric, 24)}}

	client := fake.NewClientset(existing)
	report, err := Ensure(t.Context(), client, desired, opts)
	var typeErr *TypeError
	require.ErrorAs(t, err, &typeErr)
	assert.Equal(t, corev1.SecretTypeOpaque, typeErr.Existing, "an empty type is Opaque")
	assert.Equal(t, corev1.SecretTypeBasicAuth, typeErr.Desired)
	assert.Equal(t, ActionRefused, report.Action)
	assert.Empty(t, writes(client))

	opts.AllowTypeChange = true
	report, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionRecreated, report.Action)
	assert.Equal(t, corev1.SecretTypeOpaque, report.TypeChanged)
	after := getSecret(t, client, "shop", "db")
	assert.Equal(t, corev1.SecretTypeBasicAuth, after.Type)
	assert.Equal(t, "hand-made", string(after.Data["password"]), "values survive the recreation")
}

// TestEnsureRetriesConflicts makes the first update conflict, as when
// another writer changed the Secret between our read and write.
func TestEnsureRetriesConflicts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		existing := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}, Data: map[string][]byte{"username": []byte("shop")}}
		client := fake.NewClientset(existing)
		conflicts := 1
		client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			if conflicts > 0 {
				conflicts--
				// Meanwhile, someone adds the password by hand.
				theirs := existing.DeepCopy()
				theirs.Data["password"] = []byte("theirs")
				require.NoError(t, client.Tracker().Update(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, theirs, "shop"))
				return true, nil, apierrors.NewConflict(secretsResource, "app", errors.New("the object has been modified"))
			}
			return false, nil, nil
		})
		desired, opts := appSecret()
		var events []Event
		opts.OnEvent = func(e Event) { events = append(events, e) }

		report, err := Ensure(context.Background(), client, desired, opts)
		require.NoError(t, err)
		assert.Equal(t, 2, report.Attempts)
		assert.Equal(t, ActionUpdated, report.Action)
		assert.Equal(t, []string{"api-key"}, report.Added, "the password written meanwhile is kept")
		assert.Equal(t, "theirs", string(getSecret(t, client, "shop", "app").Data["password"]))
		require.Len(t, events, 2)
		assert.Equal(t, EventRetry, events[0].Type)
		assert.Equal(t, EventUpdated, events[1].Type)
	})
}

func TestEnsureGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		existing := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}}
		client := fake.NewClientset(existing)
		client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewConflict(secretsResource, "app", errors.New("the object has been modified"))
		})
		desired, opts := appSecret()
		opts.MaxAttempts = 3
		report, err := Ensure(context.Background(), client, desired, opts)
		require.Error(t, err)
		assert.True(t, apierrors.IsConflict(err), "the API error survives wrapping: %v", err)
		assert.Equal(t, 3, report.Attempts)
	})
}

func TestEnsureStopsWaitingWhenContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}})
		ctx, cancel := context.WithCancel(context.Background())
		client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			cancel()
			return true, nil, apierrors.NewConflict(secretsResource, "app", errors.New("the object has been modified"))
		})
		desired, opts := appSecret()
		_, err := Ensure(ctx, client, desired, opts)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// TestEnsureCreateRace: the Secret appears between our read and our create;
// Ensure merges into it instead of failing or overwriting.
func TestEnsureCreateRace(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset()
		raced := false
		client.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			if raced {
				return false, nil, nil
			}
			raced = true
			theirs := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}, Data: map[string][]byte{"password": []byte("theirs")}}
			require.NoError(t, client.Tracker().Add(theirs))
			return true, nil, apierrors.NewAlreadyExists(secretsResource, "app")
		})
		desired, opts := appSecret()
		report, err := Ensure(context.Background(), client, desired, opts)
		require.NoError(t, err)
		assert.Equal(t, ActionUpdated, report.Action)
		assert.Equal(t, "theirs", string(getSecret(t, client, "shop", "app").Data["password"]))
	})
}

func TestEnsureDerivedValueSurvivesLoss(t *testing.T) {
	t.Parallel()
	deriver, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	desired := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}}
	opts := EnsureOptions{Generate: map[string]Generator{"password": DerivedValue(deriver, 1, AlphaNumeric, 32)}}
	client := fake.NewClientset()
	_, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	first := getSecret(t, client, "shop", "app").Data["password"]
	require.NoError(t, client.CoreV1().Secrets("shop").Delete(t.Context(), "app", metav1.DeleteOptions{}))
	_, err = Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, first, getSecret(t, client, "shop", "app").Data["password"], "a derived value comes back the same")
	want, err := deriver.Value(ValueRef{Namespace: "shop", Name: "app", Key: "password"}, 1, AlphaNumeric, 32)
	require.NoError(t, err)
	assert.Equal(t, want, string(first))

	// Rotation: bump the counter and name the key.
	opts.Generate["password"] = DerivedValue(deriver, 2, AlphaNumeric, 32)
	opts.Regenerate = []string{"password"}
	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"password"}, report.Regenerated)
}

func TestEnsureMetadata(t *testing.T) {
	t.Parallel()
	existing := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop",
		Labels: map[string]string{"team": "a", "app": "old"}, Annotations: map[string]string{"by-hand": "x"}},
		Data: map[string][]byte{"username": []byte("shop"), "password": []byte("p"), "api-key": []byte("k")}}
	client := fake.NewClientset(existing)
	desired, opts := appSecret()
	desired.Annotations = map[string]string{"owner": "shop"}
	desired.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "shop", UID: "d-1"}}
	report, err := Ensure(t.Context(), client, desired, opts)
	require.NoError(t, err)
	assert.Equal(t, ActionUpdated, report.Action)
	assert.Equal(t, []string{"labels[app]", "annotations[owner]", "ownerReferences[d-1]"}, report.MetadataChanged)
	after := getSecret(t, client, "shop", "app")
	assert.Equal(t, map[string]string{"team": "a", "app": "shop"}, after.Labels)
	assert.Equal(t, map[string]string{"by-hand": "x", "owner": "shop"}, after.Annotations)
	assert.Len(t, after.OwnerReferences, 1)
}

func TestEnsureBadInput(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	base, _ := appSecret()
	noNamespace := base.DeepCopy()
	noNamespace.Namespace = ""
	noName := base.DeepCopy()
	noName.Name = ""
	invalid := base.DeepCopy()
	invalid.Data["bad/key"] = []byte("x")

	inputErr, keyErr, invalidErr := isA[*InputError](), isA[*KeyError](), isA[*InvalidSecretError]()
	tests := []struct {
		name   string
		secret *corev1.Secret
		opts   EnsureOptions
		is     func(error) bool
	}{
		{"nil secret", nil, EnsureOptions{}, inputErr},
		{"no namespace", noNamespace, EnsureOptions{}, inputErr},
		{"no name", noName, EnsureOptions{}, inputErr},
		{"generated key also fixed", base, EnsureOptions{Generate: map[string]Generator{"username": RandomValue(Hex, 8)}}, inputErr},
		{"nil generator", base, EnsureOptions{Generate: map[string]Generator{"password": nil}}, inputErr},
		{"invalid generated key", base, EnsureOptions{Generate: map[string]Generator{"a b": RandomValue(Hex, 8)}}, keyErr},
		{"regenerate an unknown key", base, EnsureOptions{Regenerate: []string{"nope"}}, inputErr},
		{"delete a desired key", base, EnsureOptions{Delete: []string{"username"}}, inputErr},
		{"invalid data key", invalid, EnsureOptions{}, invalidErr},
		{"generator fails", base, EnsureOptions{Generate: map[string]Generator{"p": RandomValue(Alphabet{}, 8)}}, isA[*AlphabetError]()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Ensure(t.Context(), client, tc.secret, tc.opts)
			assert.True(t, tc.is(err), "unexpected error %v", err)
		})
	}
	assert.Empty(t, writes(client))

	forbidden := fake.NewClientset()
	forbidden.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(secretsResource, "app", errors.New("no"))
	})
	_, err := Ensure(t.Context(), forbidden, base, EnsureOptions{})
	assert.True(t, apierrors.IsForbidden(err), "%v", err)

	_, err = Ensure(t.Context(), nil, base, EnsureOptions{})
	assert.True(t, inputErr(err), "a nil client is bad input, not a panic: %v", err)
}

// TestEnsureNeverRevealsValues collects every error, event and log line of
// several runs and looks for the values.
func TestEnsureNeverRevealsValues(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	record := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	logger := funcr.New(func(prefix, args string) { record(prefix + " " + args) }, funcr.Options{Verbosity: 10})
	ctx := logr.NewContext(t.Context(), logger)

	client := fake.NewClientset()
	desired, opts := appSecret()
	desired.Data["username"] = []byte("fixed-value-abc")
	opts.OnEvent = func(e Event) {
		record(strings.Join(e.Keys, ",") + string(e.Type))
		if e.Err != nil {
			record(e.Err.Error())
		}
	}
	_, err := Ensure(ctx, client, desired, opts)
	require.NoError(t, err)
	opts.Regenerate = []string{"password"}
	report, err := Ensure(ctx, client, desired, opts)
	require.NoError(t, err)
	desired.Type = corev1.SecretTypeBasicAuth
	_, err = Ensure(ctx, client, desired, opts)
	require.Error(t, err)
	record(err.Error())
	require.NotEmpty(t, seen)

	values := getSecret(t, client, "shop", "app").Data
	for _, line := range seen {
		for key, value := range values {
			assert.NotContains(t, line, string(value), "value of %s leaked", key)
		}
	}
	assert.NotContains(t, strings.Join(seen, "\n"), "fixed-value-abc")
	assert.Equal(t, []string{"password"}, report.Regenerated)
}
