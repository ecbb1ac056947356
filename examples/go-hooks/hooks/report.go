package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/deckhouse/module-sdk/pkg"
	objectpatch "github.com/deckhouse/module-sdk/pkg/object-patch"
	"github.com/deckhouse/module-sdk/pkg/registry"
)

// configMap is the part of a ConfigMap these hooks read from their snapshots (no jqFilter: the
// snapshot holds the whole object).
type configMap struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
}

var reportConfig = &pkg.HookConfig{
	OnAfterHelm: &pkg.OrderedConfig{Order: 10},
	Kubernetes: []pkg.KubernetesConfig{{
		Name:       "settings",
		APIVersion: "v1",
		Kind:       "ConfigMap",
		NameSelector: &pkg.NameSelector{
			MatchNames: []string{"go-demo-settings"},
		},
		// A snapshot for afterHelm only: no runs of their own for events or synchronization.
		ExecuteHookOnEvents:          ptr(false),
		ExecuteHookOnSynchronization: ptr(false),
	}},
}

var _ = registry.RegisterFunc(reportConfig, report)

// report copies what the chart's ConfigMap holds into the module's values
// (goDemo.internal.deployedGreeting), as a values patch.
func report(_ context.Context, input *pkg.HookInput) error {
	settings, err := objectpatch.UnmarshalToStruct[configMap](input.Snapshots, "settings")
	if err != nil {
		return fmt.Errorf("read the settings snapshot: %w", err)
	}
	names := make([]string, 0, len(settings))
	greeting := ""
	for _, cm := range settings {
		names = append(names, cm.Metadata.Name)
		greeting = cm.Data["greeting"]
	}
	sort.Strings(names)
	input.Values.Set("goDemo.internal.deployedGreeting", greeting)
	input.Values.Set("goDemo.internal.seenConfigMaps", names)
	return nil
}

func ptr[T any](v T) *T { return &v }
