module github.com/kubeprim/kubeprim/e2e

go 1.26.0

require sigs.k8s.io/yaml v1.6.0

require (
	go.yaml.in/yaml/v2 v2.4.3 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/kubeprim/kubeprim => ../
