package secrets

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

type writeKind int

const (
	writeNone writeKind = iota
	writeCreate
	writeUpdate
	writeRecreate
)

// ensurePlan is what one attempt of Ensure will write, and the report of it.
type ensurePlan struct {
	write  writeKind
	secret *corev1.Secret
	report EnsureReport
	// read is the UID and resource version of the Secret as read, the
	// preconditions of a delete before a recreate.
	readUID             types.UID
	readResourceVersion string
}

// desiredState is Ensure's input, checked and normalized once.
type desiredState struct {
	secret     *corev1.Secret    // a copy; Type never empty
	fixed      map[string][]byte // data and stringData
	generate   map[string]Generator
	regenerate map[string]bool
	delete     map[string]bool
	opts       EnsureOptions
	// generated caches values per key for the whole call, so retries write
	// the values an earlier attempt may already have reported.
	generated map[string][]byte
}

func newDesiredState(secret *corev1.Secret, opts EnsureOptions) (*desiredState, error) {
	if secret == nil {
		return nil, &InputError{Field: "secret", Reason: "is nil"}
	}
	if secret.Name == "" {
		return nil, &InputError{Field: "secret name", Reason: "is empty; Ensure finds the Secret by name (generateName cannot be ensured)"}
	}
	if secret.Namespace == "" {
		return nil, &InputError{Field: "secret namespace", Reason: "is empty; set it, Ensure reads and writes in that namespace"}
	}
	d := &desiredState{
		secret:     secret.DeepCopy(),
		fixed:      maps.Clone(mergedData(secret)),
		generate:   opts.Generate,
		regenerate: map[string]bool{},
		delete:     map[string]bool{},
		opts:       opts,
		generated:  map[string][]byte{},
	}
	if d.fixed == nil {
		d.fixed = map[string][]byte{}
	}
	d.secret.StringData = nil
	d.secret.Data = nil
	if d.secret.Type == "" {
		d.secret.Type = corev1.SecretTypeOpaque
	}
	for _, key := range sortedKeys(opts.Generate) {
		if err := CheckKey(key); err != nil {
			return nil, err
		}
		if opts.Generate[key] == nil {
			return nil, &InputError{Field: fmt.Sprintf("generator of key %q", key), Reason: "is nil"}
		}
		if _, fixed := d.fixed[key]; fixed {
			return nil, &InputError{Field: fmt.Sprintf("key %q", key), Reason: "is both in the Secret's data and in Generate; keep one"}
		}
	}
	for _, key := range opts.Regenerate {
		if !d.wants(key) {
			return nil, &InputError{Field: fmt.Sprintf("Regenerate key %q", key), Reason: "is neither in the Secret's data nor in Generate"}
		}
		d.regenerate[key] = true
	}
	for _, key := range opts.Delete {
		if d.wants(key) {
			return nil, &InputError{Field: fmt.Sprintf("Delete key %q", key), Reason: "is also a desired key"}
		}
		d.delete[key] = true
	}
	return d, nil
}

// wants reports whether key is in the desired Secret, fixed or generated.
func (d *desiredState) wants(key string) bool {
	_, fixed := d.fixed[key]
	_, generated := d.generate[key]
	return fixed || generated
}

func (d *desiredState) keys() []string {
	keys := sortedKeys(d.fixed)
	for key := range d.generate {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

// value is the desired value of key: the fixed one, or a generated one
// (generated once per Ensure call).
func (d *desiredState) value(key string) ([]byte, error) {
	if v, ok := d.fixed[key]; ok {
		return v, nil
	}
	if v, ok := d.generated[key]; ok {
		return v, nil
	}
	v, err := d.generate[key](ValueRef{Namespace: d.secret.Namespace, Name: d.secret.Name, Key: key})
	if err != nil {
		return nil, fmt.Errorf("generate key %q: %w", key, err)
	}
	d.generated[key] = v
	return v, nil
}

func (d *desiredState) newReport() EnsureReport {
	return EnsureReport{Namespace: d.secret.Namespace, Name: d.secret.Name, DryRun: d.opts.DryRun}
}

// planCreate writes every desired key.
func (d *desiredState) planCreate() (ensurePlan, error) {
	report := d.newReport()
	secret := d.secret.DeepCopy()
	secret.Data = map[string][]byte{}
	for _, key := range d.keys() {
		v, err := d.value(key)
		if err != nil {
			return ensurePlan{report: report}, err
		}
		secret.Data[key] = v
		report.Added = append(report.Added, key)
	}
	report.Action = ActionCreated
	if err := Validate(secret); err != nil {
		report.Action = ActionRefused
		return ensurePlan{report: report}, err
	}
	return ensurePlan{write: writeCreate, secret: secret, report: report}, nil
}

// planUpdate merges the desired Secret into existing without losing a value.
func (d *desiredState) planUpdate(existing *corev1.Secret) (ensurePlan, error) {
	report := d.newReport()
	report.ResourceVersion = existing.ResourceVersion
	result := existing.DeepCopy()
	data := maps.Clone(existing.Data)
	if data == nil {
		data = map[string][]byte{}
	}

	var changedKeys []string
	for _, key := range d.keys() {
		old, exists := data[key]
		switch {
		case !exists:
			v, err := d.value(key)
			if err != nil {
				return ensurePlan{report: report}, err
			}
			data[key] = v
			report.Added = append(report.Added, key)
			changedKeys = append(changedKeys, key)
		case d.regenerate[key]:
			v, err := d.value(key)
			if err != nil {
				return ensurePlan{report: report}, err
			}
			if bytes.Equal(old, v) {
				report.Kept = append(report.Kept, key)
				continue
			}
			data[key] = v
			report.Regenerated = append(report.Regenerated, key)
			changedKeys = append(changedKeys, key)
		default:
			report.Kept = append(report.Kept, key)
			if fixed, ok := d.fixed[key]; ok && !bytes.Equal(old, fixed) {
				report.Drifted = append(report.Drifted, key)
			}
		}
	}
	for _, key := range sortedKeys(existing.Data) {
		if d.wants(key) {
			continue
		}
		if d.delete[key] || d.opts.Prune {
			delete(data, key)
			report.Deleted = append(report.Deleted, key)
			changedKeys = append(changedKeys, key)
			continue
		}
		report.Unmanaged = append(report.Unmanaged, key)
	}
	slices.Sort(changedKeys)
	result.Data = data
	report.MetadataChanged = mergeMetadata(&result.ObjectMeta, &d.secret.ObjectMeta)

	existingImmutable := existing.Immutable != nil && *existing.Immutable
	unsetImmutable := existingImmutable && d.secret.Immutable != nil && !*d.secret.Immutable
	if !existingImmutable && d.secret.Immutable != nil && *d.secret.Immutable {
		result.Immutable = d.secret.Immutable
		report.ImmutableSet = true
	}
	existingType := existing.Type
	if existingType == "" {
		existingType = corev1.SecretTypeOpaque
	}

	recreate := false
	if existingType != d.secret.Type {
		report.TypeChanged = existingType
		report.Reason = fmt.Sprintf("type %s cannot change to %s in place", existingType, d.secret.Type)
		if !d.opts.AllowTypeChange {
			report.Action = ActionRefused
			return ensurePlan{report: report}, &TypeError{Namespace: existing.Namespace, Name: existing.Name, Existing: existingType, Desired: d.secret.Type}
		}
		recreate = true
	}
	if existingImmutable && (len(changedKeys) > 0 || unsetImmutable) {
		if report.Reason == "" {
			report.Reason = "the Secret is immutable"
		}
		if !d.opts.AllowRecreate {
			report.Action = ActionRefused
			return ensurePlan{report: report}, &ImmutableError{Namespace: existing.Namespace, Name: existing.Name, Keys: changedKeys}
		}
		recreate = true
	}

	plan := ensurePlan{report: report, readUID: existing.UID, readResourceVersion: existing.ResourceVersion}
	switch {
	case recreate:
		immutable := existing.Immutable
		if d.secret.Immutable != nil {
			immutable = d.secret.Immutable
		}
		plan.write = writeRecreate
		plan.report.Action = ActionRecreated
		plan.secret = &corev1.Secret{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{
				Name:            existing.Name,
				Namespace:       existing.Namespace,
				Labels:          result.Labels,
				Annotations:     result.Annotations,
				OwnerReferences: result.OwnerReferences,
			},
			Type:      d.secret.Type,
			Data:      data,
			Immutable: immutable,
		}
	case len(changedKeys) > 0 || len(report.MetadataChanged) > 0 || report.ImmutableSet:
		plan.write = writeUpdate
		plan.report.Action = ActionUpdated
		plan.secret = result
	default:
		plan.report.Action = ActionUnchanged
		return plan, nil
	}
	if err := Validate(plan.secret); err != nil {
		plan.report.Action = ActionRefused
		return plan, err
	}
	return plan, nil
}

// mergeMetadata sets the desired labels, annotations and owner references on
// into, keeping every other one, and names what changed.
func mergeMetadata(into, desired *metav1.ObjectMeta) []string {
	var changed []string
	merge := func(kind string, target *map[string]string, want map[string]string) {
		for _, k := range sortedKeys(want) {
			if old, ok := (*target)[k]; ok && old == want[k] {
				continue
			}
			if *target == nil {
				*target = map[string]string{}
			}
			(*target)[k] = want[k]
			changed = append(changed, kind+"["+k+"]")
		}
	}
	merge("labels", &into.Labels, desired.Labels)
	merge("annotations", &into.Annotations, desired.Annotations)
	for _, ref := range desired.OwnerReferences {
		if !slices.ContainsFunc(into.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == ref.UID }) {
			into.OwnerReferences = append(into.OwnerReferences, ref)
			changed = append(changed, "ownerReferences["+string(ref.UID)+"]")
		}
	}
	return changed
}
