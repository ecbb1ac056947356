package main

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/deckhouse/module-sdk/pkg"
	objectpatch "github.com/deckhouse/module-sdk/pkg/object-patch"
	"github.com/deckhouse/module-sdk/pkg/registry"
)

var cleanupConfig = &pkg.HookConfig{
	OnBeforeDeleteHelm: &pkg.OrderedConfig{Order: 7},
	Kubernetes: []pkg.KubernetesConfig{{
		Name:       "leftovers",
		APIVersion: "v1",
		Kind:       "ConfigMap",
		LabelSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"go-demo/leftover": "true"},
		},
		ExecuteHookOnEvents:          ptr(false),
		ExecuteHookOnSynchronization: ptr(false),
	}},
}

var _ = registry.RegisterFunc(cleanupConfig, cleanup)

// cleanup runs before the module's release is uninstalled: it deletes the ConfigMaps labelled
// go-demo/leftover=true that the chart does not own. One with data.hold "true" fails the hook,
// which keeps the release until a retry finds it released.
func cleanup(_ context.Context, input *pkg.HookInput) error {
	leftovers, err := objectpatch.UnmarshalToStruct[configMap](input.Snapshots, "leftovers")
	if err != nil {
		return fmt.Errorf("read the leftovers snapshot: %w", err)
	}
	for _, cm := range leftovers {
		if cm.Data["hold"] == "true" {
			return fmt.Errorf("ConfigMap %s/%s is held (data.hold=true): not deleting the module yet", cm.Metadata.Namespace, cm.Metadata.Name)
		}
	}
	for _, cm := range leftovers {
		input.PatchCollector.Delete("v1", "ConfigMap", cm.Metadata.Namespace, cm.Metadata.Name)
	}
	return nil
}
