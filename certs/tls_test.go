package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handshake runs a mutual-TLS handshake over a pipe the way kube-apiserver
// and etcd configure Go's TLS stack: the server requires a client
// certificate from clientCA; the client checks the server against serverCA
// and serverName. It returns the client's error and the server's.
func handshake(t *testing.T, server, client *KeyPair, serverCA, clientCA *x509.Certificate, serverName string) (error, error) {
	t.Helper()
	clientPool, serverPool := x509.NewCertPool(), x509.NewCertPool()
	clientPool.AddCert(clientCA)
	serverPool.AddCert(serverCA)
	// Loopback TCP, not net.Pipe: a TLS 1.3 server writes session tickets and
	// alerts the client may never read, which needs socket buffers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer conn.Close()
		srv := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientCAs: clientPool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12})
		serverErr <- srv.Handshake()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	cli := tls.Client(conn, &tls.Config{Certificates: []tls.Certificate{client.TLSCertificate()}, RootCAs: serverPool, ServerName: serverName, MinVersion: tls.VersionTLS12})
	clientErr := cli.Handshake()
	if clientErr == nil {
		// In TLS 1.3 the server judges the client certificate after the
		// client's handshake is done; reading until the server closes the
		// connection waits for its verdict.
		_, _ = cli.Read(make([]byte, 1))
	}
	conn.Close()
	return clientErr, <-serverErr
}

// TestTreeServesMutualTLS connects each client of the tree to the server it
// is made for, with Go's TLS stack: kube-apiserver (clients from ca, by
// kubernetes.default.svc and by the service IP), etcd (the apiserver's
// client, the health check, a peer).
func TestTreeServesMutualTLS(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			p, err := NewPKI(PKIOptions{NodeName: "cp-1", KeyType: kt})
			require.NoError(t, err)
			admin, err := p.IssueClient("kubernetes-admin", GroupClusterAdmins)
			require.NoError(t, err)
			tests := []struct {
				name       string
				server     *KeyPair
				client     *KeyPair
				serverCA   *CA
				clientCA   *CA
				serverName string
			}{
				{name: "admin to apiserver by name", server: p.APIServer, client: admin, serverCA: p.CA, clientCA: p.CA, serverName: "kubernetes.default.svc"},
				{name: "admin to apiserver by service IP", server: p.APIServer, client: admin, serverCA: p.CA, clientCA: p.CA, serverName: "10.96.0.1"},
				{name: "apiserver to etcd", server: p.EtcdServer, client: p.APIServerEtcdClient, serverCA: p.EtcdCA, clientCA: p.EtcdCA, serverName: "127.0.0.1"},
				{name: "health check to etcd", server: p.EtcdServer, client: p.EtcdHealthcheckClient, serverCA: p.EtcdCA, clientCA: p.EtcdCA, serverName: "localhost"},
				{name: "etcd peer to peer", server: p.EtcdPeer, client: p.EtcdPeer, serverCA: p.EtcdCA, clientCA: p.EtcdCA, serverName: "cp-1"},
			}
			for _, tc := range tests {
				clientErr, serverErr := handshake(t, tc.server, tc.client, tc.serverCA.Cert, tc.clientCA.Cert, tc.serverName)
				assert.NoError(t, clientErr, tc.name)
				assert.NoError(t, serverErr, tc.name)
			}

			// And what must fail does.
			clientErr, _ := handshake(t, p.APIServer, admin, p.CA.Cert, p.CA.Cert, "localhost")
			var hostErr x509.HostnameError
			assert.True(t, errors.As(clientErr, &hostErr), "the apiserver has no localhost SAN, as in kubeadm: %v", clientErr)
			_, serverErr := handshake(t, p.EtcdServer, admin, p.EtcdCA.Cert, p.EtcdCA.Cert, "localhost")
			assert.Error(t, serverErr, "etcd refuses a client of the cluster CA")
			_, serverErr = handshake(t, p.APIServer, p.APIServer, p.CA.Cert, p.CA.Cert, "kubernetes")
			assert.Error(t, serverErr, "a server-only certificate is refused as a client")
		})
	}
}
