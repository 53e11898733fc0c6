package kubeconfigtest_test

import (
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

// A token authenticates as its user until it is revoked; then the answer is
// Unauthorized, as the API server gives for a deleted token Secret.
func ExampleAuthenticator_Authenticate() {
	var auth kubeconfigtest.Authenticator
	auth.AddToken("t0k3n", authenticationv1.UserInfo{Username: "system:serviceaccount:ci:deployer"})
	cfg := &rest.Config{BearerToken: "t0k3n"}

	user, err := auth.Authenticate(cfg)
	fmt.Println(user.Username, err)

	auth.Revoke("t0k3n")
	_, err = auth.Authenticate(cfg)
	fmt.Println(err)
	// Output:
	// system:serviceaccount:ci:deployer <nil>
	// Unauthorized
}
