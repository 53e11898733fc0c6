package kubeconfig

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// grantHint is what the RBAC escalation check wants besides the verb on the
// binding itself.
const grantHint = "granting a role also needs either every permission it grants or the \"bind\" verb on it"

// ensureBinding grants the ServiceAccount what opts asks for, if anything.
func ensureBinding(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions) error {
	subject := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: opts.Name, Namespace: opts.Namespace}
	switch {
	case len(opts.Rules) > 0:
		if err := ensureRole(ctx, client, opts); err != nil {
			return err
		}
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: opts.Name}
		return ensureRoleBinding(ctx, client, opts, opts.Name, ref, subject)
	case opts.ClusterRole != "" && opts.ClusterWide:
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: opts.ClusterRole}
		name := opts.Namespace + ":" + opts.Name + ":" + opts.ClusterRole
		return ensureClusterRoleBinding(ctx, client, opts, name, ref, subject)
	case opts.ClusterRole != "":
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: opts.ClusterRole}
		return ensureRoleBinding(ctx, client, opts, opts.Name+":"+opts.ClusterRole, ref, subject)
	}
	return nil
}

// ensureRole creates the Role holding opts.Rules, or brings one we made
// before up to date. A Role of that name we did not make is left alone.
func ensureRole(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions) error {
	roles := client.RbacV1().Roles(opts.Namespace)
	want := &rbacv1.Role{ObjectMeta: managedMeta(opts.Namespace, opts.Name), Rules: opts.Rules}
	existing, err := roles.Get(ctx, opts.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = roles.Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsForbidden(err) {
			return permissionError("create", rbacv1.GroupName, "roles", "", opts.Namespace, opts.Name, "a Role may only hold permissions the caller has, unless it has the \"escalate\" verb", err)
		}
		if err != nil {
			return fmt.Errorf("create role %s/%s: %w", opts.Namespace, opts.Name, err)
		}
		opts.emit(ctx, Event{Type: EventRoleCreated, Kind: "Role", Name: opts.Name, Message: fmt.Sprintf("Role created with %d rules", len(opts.Rules))})
		return nil
	case apierrors.IsForbidden(err):
		return permissionError("get", rbacv1.GroupName, "roles", "", opts.Namespace, opts.Name, "", err)
	case err != nil:
		return fmt.Errorf("get role %s/%s: %w", opts.Namespace, opts.Name, err)
	}
	if equality.Semantic.DeepEqual(existing.Rules, opts.Rules) {
		opts.emit(ctx, Event{Type: EventRoleUnchanged, Kind: "Role", Name: opts.Name, Message: "Role already holds the rules"})
		return nil
	}
	if !isManaged(existing.ObjectMeta) {
		return fmt.Errorf("role %s/%s has other rules and is not managed by kubeprim: %w", opts.Namespace, opts.Name, ErrConflict)
	}
	updated := existing.DeepCopy()
	updated.Rules = opts.Rules
	if _, err := roles.Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsForbidden(err) {
			return permissionError("update", rbacv1.GroupName, "roles", "", opts.Namespace, opts.Name, "a Role may only hold permissions the caller has, unless it has the \"escalate\" verb", err)
		}
		return fmt.Errorf("update role %s/%s: %w", opts.Namespace, opts.Name, err)
	}
	opts.emit(ctx, Event{Type: EventRoleUpdated, Kind: "Role", Name: opts.Name, Message: fmt.Sprintf("Role updated to %d rules", len(opts.Rules))})
	return nil
}

func ensureRoleBinding(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions, name string, ref rbacv1.RoleRef, subject rbacv1.Subject) error {
	bindings := client.RbacV1().RoleBindings(opts.Namespace)
	existing, err := bindings.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		want := &rbacv1.RoleBinding{ObjectMeta: managedMeta(opts.Namespace, name), RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
		if _, err := bindings.Create(ctx, want, metav1.CreateOptions{}); err != nil {
			if apierrors.IsForbidden(err) {
				return permissionError("create", rbacv1.GroupName, "rolebindings", "", opts.Namespace, name, grantHint, err)
			}
			return fmt.Errorf("create rolebinding %s/%s: %w", opts.Namespace, name, err)
		}
		opts.emit(ctx, Event{Type: EventBindingCreated, Kind: "RoleBinding", Name: name, Message: fmt.Sprintf("%s %s bound in namespace %s", ref.Kind, ref.Name, opts.Namespace)})
		return nil
	case apierrors.IsForbidden(err):
		return permissionError("get", rbacv1.GroupName, "rolebindings", "", opts.Namespace, name, "", err)
	case err != nil:
		return fmt.Errorf("get rolebinding %s/%s: %w", opts.Namespace, name, err)
	}
	subjects, changed, err := reconcileBinding("rolebinding "+opts.Namespace+"/"+name, existing.ObjectMeta, existing.RoleRef, existing.Subjects, ref, subject)
	if err != nil || !changed {
		if err == nil {
			opts.emit(ctx, Event{Type: EventBindingUnchanged, Kind: "RoleBinding", Name: name, Message: "binding already grants the role"})
		}
		return err
	}
	updated := existing.DeepCopy()
	updated.Subjects = subjects
	if _, err := bindings.Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsForbidden(err) {
			return permissionError("update", rbacv1.GroupName, "rolebindings", "", opts.Namespace, name, grantHint, err)
		}
		return fmt.Errorf("update rolebinding %s/%s: %w", opts.Namespace, name, err)
	}
	opts.emit(ctx, Event{Type: EventBindingUpdated, Kind: "RoleBinding", Name: name, Message: "ServiceAccount added to the binding"})
	return nil
}

func ensureClusterRoleBinding(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions, name string, ref rbacv1.RoleRef, subject rbacv1.Subject) error {
	bindings := client.RbacV1().ClusterRoleBindings()
	existing, err := bindings.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		want := &rbacv1.ClusterRoleBinding{ObjectMeta: managedMeta("", name), RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
		if _, err := bindings.Create(ctx, want, metav1.CreateOptions{}); err != nil {
			if apierrors.IsForbidden(err) {
				return permissionError("create", rbacv1.GroupName, "clusterrolebindings", "", "", name, grantHint, err)
			}
			return fmt.Errorf("create clusterrolebinding %s: %w", name, err)
		}
		opts.emit(ctx, Event{Type: EventBindingCreated, Kind: "ClusterRoleBinding", Name: name, Message: fmt.Sprintf("ClusterRole %s bound cluster-wide", ref.Name)})
		return nil
	case apierrors.IsForbidden(err):
		return permissionError("get", rbacv1.GroupName, "clusterrolebindings", "", "", name, "", err)
	case err != nil:
		return fmt.Errorf("get clusterrolebinding %s: %w", name, err)
	}
	subjects, changed, err := reconcileBinding("clusterrolebinding "+name, existing.ObjectMeta, existing.RoleRef, existing.Subjects, ref, subject)
	if err != nil || !changed {
		if err == nil {
			opts.emit(ctx, Event{Type: EventBindingUnchanged, Kind: "ClusterRoleBinding", Name: name, Message: "binding already grants the role"})
		}
		return err
	}
	updated := existing.DeepCopy()
	updated.Subjects = subjects
	if _, err := bindings.Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsForbidden(err) {
			return permissionError("update", rbacv1.GroupName, "clusterrolebindings", "", "", name, grantHint, err)
		}
		return fmt.Errorf("update clusterrolebinding %s: %w", name, err)
	}
	opts.emit(ctx, Event{Type: EventBindingUpdated, Kind: "ClusterRoleBinding", Name: name, Message: "ServiceAccount added to the binding"})
	return nil
}

// reconcileBinding decides what to do with an existing binding of the name
// we want. The role it refers to cannot change (roleRef is immutable), so a
// binding to another role is a conflict. A binding that already lists the
// ServiceAccount is fine whoever made it; one that does not is only changed
// when we made it, since adding a subject to someone else's binding would
// grant their role behind their back.
func reconcileBinding(what string, meta metav1.ObjectMeta, have rbacv1.RoleRef, subjects []rbacv1.Subject, want rbacv1.RoleRef, subject rbacv1.Subject) ([]rbacv1.Subject, bool, error) {
	if have != want {
		return nil, false, fmt.Errorf("%s refers to %s %s, not %s %s: %w", what, have.Kind, have.Name, want.Kind, want.Name, ErrConflict)
	}
	for _, s := range subjects {
		if s.Kind == subject.Kind && s.Name == subject.Name && s.Namespace == subject.Namespace {
			return nil, false, nil
		}
	}
	if !isManaged(meta) {
		return nil, false, fmt.Errorf("%s does not list the ServiceAccount and is not managed by kubeprim: %w", what, ErrConflict)
	}
	return append(append([]rbacv1.Subject(nil), subjects...), subject), true, nil
}
