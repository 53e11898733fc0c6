package kubeconfig

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// RootCAConfigMap is the ConfigMap the API server's root CA publisher keeps
// in every namespace; its RootCAKey holds the CA bundle that verifies the
// API server.
const (
	RootCAConfigMap = "kube-root-ca.crt"
	RootCAKey       = "ca.crt"
)

// clusterFor decides the server and CA of the new kubeconfig.
func clusterFor(ctx context.Context, client kubernetes.Interface, restConfig *rest.Config, opts *ServiceAccountOptions, secretCA []byte) (Cluster, error) {
	cluster := Cluster{Name: opts.ClusterName, Server: opts.Server}
	if cluster.Server == "" {
		u, _, err := rest.DefaultServerUrlFor(restConfig)
		if err != nil {
			return Cluster{}, &FieldError{Field: "restConfig.Host", Reason: "is not a usable API server URL: " + err.Error()}
		}
		cluster.Server = u.String()
		cluster.TLSServerName = restConfig.ServerName
	}

	ca, source, err := caFor(ctx, client, restConfig, opts, secretCA)
	if err != nil {
		return Cluster{}, err
	}
	if len(ca) > 0 {
		if err := checkCertificatesPEM(ca); err != nil {
			return Cluster{}, fmt.Errorf("CA from %s: %w", source, err)
		}
		cluster.CertificateAuthorityData = ca
		e := Event{Type: EventCertificateAuthority, Message: "CA taken from " + source}
		if strings.HasPrefix(source, "ConfigMap ") {
			e.Kind, e.Name = "ConfigMap", RootCAConfigMap
		}
		opts.emit(ctx, e)
	} else {
		opts.emit(ctx, Event{Type: EventWarning, Message: "no CA found; the kubeconfig relies on the system trust store"})
	}
	return cluster, nil
}

// caFor returns the CA bundle and where it came from, in order of
// preference: opts, the namespace's root CA ConfigMap, the legacy token
// Secret, the caller's rest config.
func caFor(ctx context.Context, client kubernetes.Interface, restConfig *rest.Config, opts *ServiceAccountOptions, secretCA []byte) ([]byte, string, error) {
	if len(opts.CertificateAuthorityData) > 0 {
		return opts.CertificateAuthorityData, "ServiceAccountOptions", nil
	}
	cm, err := client.CoreV1().ConfigMaps(opts.Namespace).Get(ctx, RootCAConfigMap, metav1.GetOptions{})
	switch {
	case err == nil && cm.Data[RootCAKey] != "":
		return []byte(cm.Data[RootCAKey]), "ConfigMap " + opts.Namespace + "/" + RootCAConfigMap, nil
	case err == nil, apierrors.IsNotFound(err), apierrors.IsForbidden(err):
		// Not published (yet), or the caller may not read ConfigMaps: the
		// other sources are as good, so only say so.
		if err != nil {
			opts.emit(ctx, Event{Type: EventWarning, Kind: "ConfigMap", Name: RootCAConfigMap, Message: "cannot read the root CA ConfigMap: " + err.Error()})
		}
	default:
		return nil, "", fmt.Errorf("get configmap %s/%s: %w", opts.Namespace, RootCAConfigMap, err)
	}
	if len(secretCA) > 0 {
		return secretCA, "the token Secret", nil
	}
	if restConfig == nil {
		return nil, "", nil
	}
	if len(restConfig.CAData) > 0 {
		return restConfig.CAData, "the caller's rest config", nil
	}
	if restConfig.CAFile != "" {
		data, err := readLimited(restConfig.CAFile)
		if err != nil {
			return nil, "", &FileError{Path: restConfig.CAFile, Err: err}
		}
		return data, "the caller's rest config (" + restConfig.CAFile + ")", nil
	}
	return nil, "", nil
}
