package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The inventory is the list of objects a baseline applied, kept in the
// cluster so that tkeops stays stateless: prune deletes exactly the members
// that left git, and nothing else.
const (
	InventoryNamespace = "kube-system"
	inventoryPrefix    = "tkeops-inventory-"
	inventoryKey       = "objects.json"
)

// InventoryEntry is one object recorded in the inventory.
type InventoryEntry struct {
	ObjectRef
	// Adopted objects existed before tkeops first applied them; prune
	// leaves them in place.
	Adopted bool `json:"adopted,omitempty"`
}

// InventoryName is the ConfigMap holding the inventory called name.
func InventoryName(name string) string { return inventoryPrefix + name }

func validInventory(name string) error {
	if errs := validation.IsDNS1123Label(InventoryName(name)); len(errs) > 0 {
		return fmt.Errorf("inventory name %q: %v", name, errs)
	}
	return nil
}

type inventory struct {
	exists  bool
	rv      string
	entries map[string]InventoryEntry
}

func (c *Cluster) readInventory(ctx context.Context, name string) (*inventory, error) {
	inv := &inventory{entries: map[string]InventoryEntry{}}
	cm, err := c.client.CoreV1().ConfigMaps(InventoryNamespace).Get(ctx, InventoryName(name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return inv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read inventory %s/%s: %w", InventoryNamespace, InventoryName(name), err)
	}
	inv.exists, inv.rv = true, cm.ResourceVersion
	var list []InventoryEntry
	if s := cm.Data[inventoryKey]; s != "" {
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, fmt.Errorf("inventory %s/%s is corrupt (%w): fix or delete it by hand; tkeops will not prune from it", InventoryNamespace, InventoryName(name), err)
		}
	}
	for _, e := range list {
		inv.entries[e.key()] = e
	}
	return inv, nil
}

// writeInventory stores entries, failing on a concurrent change (another
// tkeops applying the same baseline).
func (c *Cluster) writeInventory(ctx context.Context, name string, inv *inventory, entries map[string]InventoryEntry) error {
	list := make([]InventoryEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].key() < list[j].key() })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:            InventoryName(name),
			Namespace:       InventoryNamespace,
			ResourceVersion: inv.rv,
			Labels:          map[string]string{"app.kubernetes.io/managed-by": FieldManager},
		},
		Data: map[string]string{inventoryKey: string(b)},
	}
	var out *corev1.ConfigMap
	if inv.exists {
		out, err = c.client.CoreV1().ConfigMaps(InventoryNamespace).Update(ctx, cm, metav1.UpdateOptions{FieldManager: FieldManager})
	} else {
		out, err = c.client.CoreV1().ConfigMaps(InventoryNamespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: FieldManager})
	}
	if err != nil {
		return fmt.Errorf("write inventory %s/%s: %w", InventoryNamespace, InventoryName(name), err)
	}
	inv.exists, inv.rv = true, out.ResourceVersion
	inv.entries = entries
	return nil
}

// Inventory lists what the named baseline applied, sorted.
func (c *Cluster) Inventory(ctx context.Context, name string) ([]InventoryEntry, error) {
	if err := validInventory(name); err != nil {
		return nil, err
	}
	inv, err := c.readInventory(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]InventoryEntry, 0, len(inv.entries))
	for _, e := range inv.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, nil
}
