// Command check validates Kubernetes manifests offline: every document is
// decoded strictly (unknown or misspelt fields, wrong types) into the
// official API types of k8s.io/api, the same Go types the API server
// decodes into. It is the fallback of ../validate.sh when kubeconform
// cannot fetch its JSON schemas; it checks structure, not every rule the
// API server enforces.
//
//	go run . ../stampede-segments.yaml ../merge-job.yaml
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// newObject returns an empty object of the kinds the manifests use.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, true
	case "v1/Pod":
		return &corev1.Pod{}, true
	case "batch/v1/Job":
		return &batchv1.Job{}, true
	}
	return nil, false
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func check(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, doc := range docSep.Split(string(data), -1) {
		if len(bytes.TrimSpace(stripComments([]byte(doc)))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return n, fmt.Errorf("%s: document %d: %w", path, i+1, err)
		}
		obj, ok := newObject(head.APIVersion, head.Kind)
		if !ok {
			return n, fmt.Errorf("%s: document %d: %s %s is not a kind this check knows", path, i+1, head.APIVersion, head.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return n, fmt.Errorf("%s: document %d (%s): %w", path, i+1, head.Kind, err)
		}
		n++
	}
	return n, nil
}

var commentLine = regexp.MustCompile(`(?m)^\s*#.*$`)

func stripComments(b []byte) []byte { return commentLine.ReplaceAll(b, nil) }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: check MANIFEST.yaml...")
		os.Exit(2)
	}
	total := 0
	for _, p := range os.Args[1:] {
		n, err := check(p)
		total += n
		if err != nil {
			fmt.Fprintln(os.Stderr, "invalid:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d resources decoded strictly into k8s.io/api types: valid\n", total)
}
