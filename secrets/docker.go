package secrets

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// DefaultDockerServer is the registry kubectl create secret docker-registry
// uses when --docker-server is not given: Docker Hub.
const DefaultDockerServer = "https://index.docker.io/v1/"

// Registry is the credential for one image registry.
type Registry struct {
	// Server is the registry, e.g. "ghcr.io" or "https://index.docker.io/v1/";
	// empty means DefaultDockerServer.
	Server string
	// Username and Password are required. The username may not contain ':',
	// which would make the auth field ambiguous to the kubelet.
	Username string
	Password string
	// Email is optional and omitted when empty.
	Email string
}

// dockerConfigEntry has the field order and names of kubectl's
// DockerConfigEntry, so the JSON is byte-for-byte kubectl's.
type dockerConfigEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth,omitempty"`
}

type dockerConfigJSON struct {
	Auths map[string]dockerConfigEntry `json:"auths"`
}

// DockerConfigJSON builds a kubernetes.io/dockerconfigjson Secret holding
// .dockerconfigjson = {"auths": {server: {username, password, email, auth}}}
// for every registry, where auth is base64(username:password): for one
// registry the same bytes as kubectl create secret docker-registry. Each
// registry needs a username and a password, and a server may appear once.
func DockerConfigJSON(meta Meta, registries ...Registry) (*corev1.Secret, error) {
	auths, err := dockerAuths(registries)
	if err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(dockerConfigJSON{Auths: auths})
	if err != nil {
		return nil, fmt.Errorf("encode docker config: %w", err)
	}
	return meta.build(corev1.SecretTypeDockerConfigJson, map[string][]byte{corev1.DockerConfigJsonKey: encoded}, nil)
}

// DockerCfg builds the legacy kubernetes.io/dockercfg Secret: .dockercfg
// holds the map of server to credential without the "auths" wrapper. Prefer
// DockerConfigJSON.
func DockerCfg(meta Meta, registries ...Registry) (*corev1.Secret, error) {
	auths, err := dockerAuths(registries)
	if err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(auths)
	if err != nil {
		return nil, fmt.Errorf("encode docker config: %w", err)
	}
	return meta.build(corev1.SecretTypeDockercfg, map[string][]byte{corev1.DockerConfigKey: encoded}, nil)
}

func dockerAuths(registries []Registry) (map[string]dockerConfigEntry, error) {
	if len(registries) == 0 {
		return nil, &InputError{Field: "registries", Reason: "are empty; give at least one Registry"}
	}
	auths := make(map[string]dockerConfigEntry, len(registries))
	for i, r := range registries {
		server := r.Server
		if server == "" {
			server = DefaultDockerServer
		}
		field := fmt.Sprintf("registry %d (%s)", i+1, server)
		switch {
		case r.Username == "":
			return nil, &InputError{Field: field, Reason: "has no username"}
		case r.Password == "":
			return nil, &InputError{Field: field, Reason: "has no password"}
		case strings.Contains(r.Username, ":"):
			return nil, &InputError{Field: field, Reason: "has a username containing ':', which the auth field cannot carry"}
		}
		if _, dup := auths[server]; dup {
			return nil, &InputError{Field: field, Reason: "repeats a server given earlier"}
		}
		auths[server] = dockerConfigEntry{
			Username: r.Username,
			Password: r.Password,
			Email:    r.Email,
			Auth:     base64.StdEncoding.EncodeToString([]byte(r.Username + ":" + r.Password)),
		}
	}
	return auths, nil
}
