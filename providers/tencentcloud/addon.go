package tencentcloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Add-ons carry no tags: TKE's add-on API has none. What tkeops owns is recorded on
// the cluster instead, in tags written through the Tag service:
//
//	tkeops.io/children = <owner>                   the cluster holds children of this instance
//	tkeops.io/addon/<addonName> = <doc>;<policy>   one per add-on tkeops installed
//
// The first is one fixed key, written when an add-on, a native or a super node pool
// is created in the cluster (markCluster): one filtered DescribeClusters per
// observation pass finds every cluster that may hold this instance's children,
// owned or adopted by ID, and each kind lists its children only there. A marker is
// written before InstallAddon, so an interrupted create leaves a marker without an
// add-on (harmless: the next create installs it), never an add-on nobody owns.
const (
	tagChildren    = tagPrefix + "children"
	tagAddonPrefix = tagPrefix + "addon/"
)

// childClusters lists the clusters marked as holding this instance's children, once
// per observation pass.
func (c *Client) childClusters(ctx context.Context) ([]*tke.Cluster, error) {
	return providers.Once(ctx, "tencentcloud/"+c.region+"/"+c.owner+"/child-clusters", func() ([]*tke.Cluster, error) {
		return c.listClusters(ctx, []*tke.Filter{tkeFilter("Tags", tagChildren+":"+c.owner)}, nil)
	})
}

// markCluster marks a cluster as holding children of this instance.
func (c *Client) markCluster(ctx context.Context, clusterID string) error {
	req := tag.NewModifyResourceTagsRequest()
	req.Resource = common.StringPtr(c.tagResource("tke", "cluster", clusterID))
	req.ReplaceTags = []*tag.Tag{{TagKey: common.StringPtr(tagChildren), TagValue: common.StringPtr(c.owner)}}
	if _, err := invoke(ctx, c, "tag", "ModifyResourceTags", kindWrite, func(ctx context.Context) (*tag.ModifyResourceTagsResponse, error) {
		return c.tag.ModifyResourceTagsWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("mark cluster %s: %w", clusterID, err)
	}
	return nil
}

// Add-on phases (tke Addon.Phase).
const (
	addonPhaseSucceeded     = "Succeeded"
	addonPhaseInstallFailed = "InstallFailed"
	addonPhaseUpgradeFailed = "UpgradFailed" // sic
)

// AddonFailed reports whether an add-on phase is a failure: the install or upgrade
// finished without the add-on running.
func AddonFailed(phase string) bool {
	return phase == addonPhaseInstallFailed || phase == addonPhaseUpgradeFailed
}

func addonSettling(phase string) bool {
	return phase == "Installing" || phase == "Upgrading" || phase == "Terminating"
}

// addonKind is the typed client of add-ons.
type addonKind struct{}

func (addonKind) kind() spec.Kind { return spec.KindAddon }

func (addonKind) rules() []rule {
	update := "tke:UpdateAddon"
	return append(commonRules(actionModifyResourceTags),
		rule{path: "spec.clusterRef", class: spec.ClassReplace, note: "An add-on cannot move to another cluster: it is uninstalled and installed in the new one."},
		rule{path: "spec.region", class: spec.ClassReplace, note: "The region of the cluster; another region is another cluster."},
		rule{path: "spec.addonName", class: spec.ClassReplace, note: "Another add-on: the old one is uninstalled, the new one installed."},
		rule{path: "spec.version", class: spec.ClassInPlace, action: update,
			note: "Upgrades (or re-installs after a failure) in place with UpdateAddon; the add-on is Upgrading until the chart is rolled out. Left out, the installed version is kept."},
		rule{path: "spec.values", class: spec.ClassInPlace, action: update,
			note: "Sent whole with UpdateStrategy replace, so values set outside tkeops go. Left out, the live values are kept; `values: {}` clears them."},
		rule{path: "spec.deletionPolicy", class: spec.ClassInPlace, action: actionModifyResourceTags,
			note: "Recorded in the add-on's ownership tag on its cluster (tkeops.io/addon/<addonName>)."},
	)
}

// Add-ons carry no tags of their own: ownership is a tag on their cluster.
func (addonKind) actions() Actions {
	return Actions{
		Read:  []string{"tke:DescribeAddon", "tke:DescribeClusters"},
		Write: []string{"tke:InstallAddon", "tke:UpdateAddon", "tke:DeleteAddon", actionModifyResourceTags},
	}
}

// createCalls: the ownership marker on the cluster, then the install.
func (addonKind) createCalls(*spec.Addon) []string {
	return []string{actionModifyResourceTags, "tke:InstallAddon"}
}

func (addonKind) deleteCalls(*spec.Addon) []string { return []string{"tke:DeleteAddon"} }

// addonMarker is what a cluster's tags say about one of its add-ons.
type addonMarker struct {
	doc    string
	policy spec.DeletionPolicy
}

// addonMarkers reads the add-on tags of a cluster: the owner, and the markers by
// add-on name.
func addonMarkers(tags map[string]string) (owner string, markers map[string]addonMarker) {
	markers = map[string]addonMarker{}
	for k, v := range tags {
		name, ok := strings.CutPrefix(k, tagAddonPrefix)
		if !ok || name == "" {
			continue
		}
		doc, policy, _ := strings.Cut(v, ";")
		markers[name] = addonMarker{doc: doc, policy: spec.DeletionPolicy(policy)}
	}
	return tags[tagChildren], markers
}

func markerValue(r *spec.Addon) string {
	policy := r.Spec.DeletionPolicy
	if policy == "" {
		policy = spec.DeletionPolicyDelete
	}
	return r.GetAddr().Name + ";" + string(policy)
}

// addonID is the ID tkeops gives an add-on: its cluster and its name.
func addonID(clusterID, name string) string { return clusterID + "/" + name }

func splitAddonID(id string) (clusterID, name string, ok bool) {
	clusterID, name, ok = strings.Cut(id, "/")
	return clusterID, name, ok && clusterID != "" && name != ""
}

// addonClusters reads the clusters whose add-ons Observe must list: those holding
// this instance's add-ons (one filtered list) and those the wanted add-ons name.
func (c *Client) addonClusters(ctx context.Context, want []*spec.Addon) ([]*tke.Cluster, error) {
	cls, err := c.childClusters(ctx)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, cl := range cls {
		have[sv(cl.ClusterId)] = true
	}
	// A wanted add-on's cluster without the mark holds none of this instance's: it is
	// listed for namesakes only, and needs no tags.
	for _, w := range want {
		if id := w.Spec.ClusterRef.ID; id != "" && !have[id] {
			have[id] = true
			cls = append(cls, &tke.Cluster{ClusterId: common.StringPtr(id)})
		}
	}
	return cls, nil
}

// listAddons reads every add-on of one cluster. A cluster that is gone has none.
func (c *Client) listAddons(ctx context.Context, clusterID, name string) ([]*tke.Addon, error) {
	req := tke.NewDescribeAddonRequest()
	req.ClusterId = common.StringPtr(clusterID)
	if name != "" {
		req.AddonName = common.StringPtr(name)
	}
	resp, err := invoke(ctx, c, "tke", "DescribeAddon", kindRead, func(ctx context.Context) (*tke.DescribeAddonResponse, error) {
		return c.tke.DescribeAddonWithContext(ctx, req)
	})
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return resp.Response.Addons, nil
}

// addonLive is one add-on with what its cluster's tags say about it.
type addonLive struct {
	clusterID string
	owner     string
	marker    *addonMarker
	a         *tke.Addon
}

func (c *Client) addonCandidate(l addonLive) candidate {
	name := sv(l.a.AddonName)
	own := ownership{}
	if l.marker != nil {
		own = ownership{owner: l.owner, addr: spec.Addr{Kind: spec.KindAddon, Name: l.marker.doc}, hasTag: true, policy: l.marker.policy}
	}
	cd := candidate{id: addonID(l.clusterID, name), created: sv(l.a.CreateTime), own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		phase := sv(l.a.Phase)
		o := c.baseObservation(spec.KindAddon, cd, phase)
		o.Settling = addonSettling(phase)
		o.ParentID = l.clusterID
		s := spec.AddonSpec{
			ClusterRef:     spec.Ref{ID: l.clusterID},
			Region:         c.region,
			AddonName:      name,
			Version:        sv(l.a.AddonVersion),
			DeletionPolicy: own.policy,
		}
		if v, err := decodeAddonValues(sv(l.a.RawValues)); err == nil {
			s.Values = v
		}
		docName := ""
		if l.marker != nil {
			docName = l.marker.doc
		}
		o.Live = &spec.Addon{Object: meta(spec.KindAddon, want, own, docName), Spec: s}
		if AddonFailed(phase) {
			o.Status = phase + ": " + sv(l.a.Reason)
		}
		return o
	}
	return cd
}

func decodeAddonValues(raw string) (map[string]any, error) {
	if raw == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func encodeAddonValues(m map[string]any) (string, error) {
	if m == nil {
		m = map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("values: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// readAddons lists the add-ons of the clusters (one call each, in parallel).
func (c *Client) readAddons(ctx context.Context, cls []*tke.Cluster) ([]addonLive, error) {
	var (
		mu    sync.Mutex
		lives []addonLive
	)
	jobs := make([]func(context.Context) error, 0, len(cls))
	for _, cl := range cls {
		id := sv(cl.ClusterId)
		owner, markers := addonMarkers(clusterTags(cl))
		jobs = append(jobs, func(ctx context.Context) error {
			addons, err := c.listAddons(ctx, id, "")
			if err != nil {
				return fmt.Errorf("add-ons of cluster %s: %w", id, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, a := range addons {
				l := addonLive{clusterID: id, owner: owner, a: a}
				if m, ok := markers[sv(a.AddonName)]; ok && owner != "" {
					l.marker = &m
				}
				lives = append(lives, l)
			}
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	slices.SortFunc(lives, func(a, b addonLive) int {
		return strings.Compare(addonID(a.clusterID, sv(a.a.AddonName)), addonID(b.clusterID, sv(b.a.AddonName)))
	})
	return lives, nil
}

func (addonKind) observe(ctx context.Context, c *Client, want []*spec.Addon) ([]providers.Observation, error) {
	cls, err := c.addonClusters(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("observe add-ons of owner %q: clusters: %w", c.owner, err)
	}
	lives, err := c.readAddons(ctx, cls)
	if err != nil {
		return nil, fmt.Errorf("observe add-ons of owner %q: %w", c.owner, err)
	}
	cands := make([]candidate, 0, len(lives))
	byID := map[string]addonLive{}
	for _, l := range lives {
		cd := c.addonCandidate(l)
		cands = append(cands, cd)
		byID[cd.id] = l
	}
	obs := c.assemble(spec.KindAddon, resources(want), cands)
	// An add-on a wanted one would install but that tkeops did not install (by hand,
	// or by TKE at cluster creation) is its namesake: installing it again would fail.
	for i := range obs {
		o := &obs[i]
		if o.Exists || i >= len(want) {
			continue
		}
		w := want[i]
		if w.Spec.ClusterRef.ID == "" {
			continue
		}
		if l, ok := byID[addonID(w.Spec.ClusterRef.ID, w.Spec.AddonName)]; ok && (l.marker == nil || l.owner != c.owner) {
			o.Namesakes = append(o.Namesakes, addonID(w.Spec.ClusterRef.ID, w.Spec.AddonName))
		}
	}
	return obs, nil
}

func (addonKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	lives, err := c.readAddons(ctx, cls)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Observation, 0, len(lives))
	for _, l := range lives {
		out = append(out, c.addonCandidate(l).build(nil))
	}
	return out, nil
}

// syncAddonMarkers makes the cluster's add-on tags say that r is this instance's:
// the owner tag and r's marker. Markers of add-ons no longer installed are removed
// in the same call.
func (c *Client) syncAddonMarkers(ctx context.Context, clusterID string, r *spec.Addon, force bool) error {
	cls, err := c.listClusters(ctx, nil, []string{clusterID})
	if err != nil {
		return fmt.Errorf("read cluster %s: %w", clusterID, err)
	}
	if len(cls) == 0 {
		return fmt.Errorf("cluster %s does not exist", clusterID)
	}
	tags := clusterTags(cls[0])
	owner, markers := addonMarkers(tags)
	if owner != "" && owner != c.owner {
		return fmt.Errorf("cluster %s holds the children of tkeops instance %q (tag %s); one instance manages a cluster's add-ons", clusterID, owner, tagChildren)
	}
	installed := map[string]bool{}
	others := len(markers)
	if _, ok := markers[r.Spec.AddonName]; ok {
		others--
	}
	if others > 0 {
		addons, err := c.listAddons(ctx, clusterID, "")
		if err != nil {
			return fmt.Errorf("add-ons of cluster %s: %w", clusterID, err)
		}
		for _, a := range addons {
			installed[sv(a.AddonName)] = true
		}
	}
	req := tag.NewModifyResourceTagsRequest()
	req.Resource = common.StringPtr(c.tagResource("tke", "cluster", clusterID))
	want := markerValue(r)
	if owner != c.owner {
		req.ReplaceTags = append(req.ReplaceTags, &tag.Tag{TagKey: common.StringPtr(tagChildren), TagValue: common.StringPtr(c.owner)})
	}
	if force || tags[tagAddonPrefix+r.Spec.AddonName] != want {
		req.ReplaceTags = append(req.ReplaceTags, &tag.Tag{TagKey: common.StringPtr(tagAddonPrefix + r.Spec.AddonName), TagValue: common.StringPtr(want)})
	}
	for _, name := range slices.Sorted(maps.Keys(markers)) {
		if name != r.Spec.AddonName && !installed[name] && len(req.DeleteTags) < 10 {
			req.DeleteTags = append(req.DeleteTags, &tag.TagKeyObject{TagKey: common.StringPtr(tagAddonPrefix + name)})
		}
	}
	if len(req.ReplaceTags) == 0 && len(req.DeleteTags) == 0 {
		return nil
	}
	if _, err := invoke(ctx, c, "tag", "ModifyResourceTags", kindWrite, func(ctx context.Context) (*tag.ModifyResourceTagsResponse, error) {
		return c.tag.ModifyResourceTagsWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("ownership tags of cluster %s: %w", clusterID, err)
	}
	return nil
}

// findAddon reads one add-on of a cluster with its cluster's tags.
func (c *Client) findAddon(ctx context.Context, clusterID, name string) (*addonLive, error) {
	cls, err := c.listClusters(ctx, nil, []string{clusterID})
	if err != nil {
		return nil, err
	}
	if len(cls) == 0 {
		return nil, nil
	}
	addons, err := c.listAddons(ctx, clusterID, name)
	if err != nil {
		return nil, err
	}
	owner, markers := addonMarkers(clusterTags(cls[0]))
	for _, a := range addons {
		if sv(a.AddonName) != name {
			continue
		}
		l := &addonLive{clusterID: clusterID, owner: owner, a: a}
		if m, ok := markers[name]; ok && owner != "" {
			l.marker = &m
		}
		return l, nil
	}
	return nil, nil
}

func (addonKind) create(ctx context.Context, c *Client, r *spec.Addon) (providers.Observation, error) {
	addr := r.GetAddr()
	clusterID := r.Spec.ClusterRef.ID
	if clusterID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.clusterRef is not resolved to an ID", addr)
	}
	existing, err := c.findAddon(ctx, clusterID, r.Spec.AddonName)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: read add-on %s of cluster %s: %w", addr, r.Spec.AddonName, clusterID, err)
	}
	if existing != nil {
		if existing.marker == nil || existing.owner != c.owner || existing.marker.doc != addr.Name {
			return providers.Observation{}, fmt.Errorf("create %s: add-on %s is already installed in cluster %s, not by this tkeops instance: remove it or adopt it first", addr, r.Spec.AddonName, clusterID)
		}
		c.log.Info("create: found installed, not installing again", "addr", addr.String(), "cluster", clusterID)
		return c.addonCandidate(*existing).build(r), nil
	}
	if err := c.syncAddonMarkers(ctx, clusterID, r, true); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	req := tke.NewInstallAddonRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.AddonName = common.StringPtr(r.Spec.AddonName)
	if r.Spec.Version != "" {
		req.AddonVersion = common.StringPtr(r.Spec.Version)
	}
	if r.Spec.Values != nil {
		raw, err := encodeAddonValues(r.Spec.Values)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		req.RawValues = common.StringPtr(raw)
	}
	if _, err := invoke(ctx, c, "tke", "InstallAddon", kindCreate, func(ctx context.Context) (*tke.InstallAddonResponse, error) {
		return c.tke.InstallAddonWithContext(ctx, req)
	}); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: install %s in cluster %s: %w", addr, r.Spec.AddonName, clusterID, err)
	}
	c.log.Info("created", "addr", addr.String(), "addon", r.Spec.AddonName, "cluster", clusterID)
	return providers.Observation{Addr: addr, Exists: true, ID: addonID(clusterID, r.Spec.AddonName), Owned: true, Settling: true,
		Status: "Installing", DeletionPolicy: r.Spec.DeletionPolicy, ParentID: clusterID}, nil
}

func (addonKind) calls(ctx context.Context, c *Client, r *spec.Addon, o providers.Observation) ([]call, error) {
	clusterID, name, ok := splitAddonID(o.ID)
	if !ok {
		return nil, fmt.Errorf("%q is not an add-on ID (<cluster>/<add-on>)", o.ID)
	}
	return []call{
		{name: "tke:UpdateAddon", run: func(changes []diff.Change) error {
			req := tke.NewUpdateAddonRequest()
			req.ClusterId = common.StringPtr(clusterID)
			req.AddonName = common.StringPtr(name)
			// The version is always sent: the declared one, or else the installed one
			// (a retry after a failed install or upgrade). Values go only when they change.
			version := r.Spec.Version
			if live, ok := o.Live.(*spec.Addon); ok && version == "" {
				version = live.Spec.Version
			}
			if version != "" {
				req.AddonVersion = common.StringPtr(version)
			}
			if hasChange(changes, "spec.values") || req.AddonVersion == nil {
				raw, err := encodeAddonValues(r.Spec.Values)
				if err != nil {
					return err
				}
				req.RawValues = common.StringPtr(raw)
				req.UpdateStrategy = common.StringPtr("replace")
			}
			if _, err := invoke(ctx, c, "tke", "UpdateAddon", kindWrite, func(ctx context.Context) (*tke.UpdateAddonResponse, error) {
				return c.tke.UpdateAddonWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("update add-on %s: %w", name, err)
			}
			return nil
		}},
		{name: actionModifyResourceTags, run: func([]diff.Change) error {
			return c.syncAddonMarkers(ctx, clusterID, r, false)
		}},
	}, nil
}

func (addonKind) reobserve(ctx context.Context, c *Client, r *spec.Addon, o providers.Observation) (providers.Observation, error) {
	clusterID, name, _ := splitAddonID(o.ID)
	l, err := c.findAddon(ctx, clusterID, name)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	if l == nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: the add-on is gone", r.GetAddr(), o.ID)
	}
	// The call was accepted; the add-on is Upgrading before the next read shows it.
	n := c.addonCandidate(*l).build(r)
	return n, nil
}

func (addonKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	clusterID, name, ok := splitAddonID(o.ID)
	if !ok {
		return fmt.Errorf("delete add-on %q: not an add-on ID (<cluster>/<add-on>)", o.ID)
	}
	l, err := c.findAddon(ctx, clusterID, name)
	if err != nil {
		return fmt.Errorf("delete add-on %s: read: %w", o.ID, err)
	}
	if l == nil || sv(l.a.Phase) == "Terminating" {
		return nil
	}
	if l.marker == nil || l.owner != c.owner {
		return notOwned(spec.KindAddon, o.ID)
	}
	req := tke.NewDeleteAddonRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.AddonName = common.StringPtr(name)
	_, err = invoke(ctx, c, "tke", "DeleteAddon", kindWrite, func(ctx context.Context) (*tke.DeleteAddonResponse, error) {
		return c.tke.DeleteAddonWithContext(ctx, req)
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete add-on %s (%s): %w", o.ID, o.Addr, err)
	}
	c.log.Info("deleted", "kind", "Addon", "id", o.ID)
	return nil
}

// keepAddonTags adds to tags the tags other kinds keep on the cluster (the children
// mark, add-on ownership), for a call that replaces the cluster's whole tag set.
func (c *Client) keepAddonTags(ctx context.Context, clusterID string, tags map[string]string) error {
	cls, err := c.listClusters(ctx, nil, []string{clusterID})
	if err != nil {
		return fmt.Errorf("read cluster %s: %w", clusterID, err)
	}
	for _, cl := range cls {
		for k, v := range clusterTags(cl) {
			if k == tagChildren || strings.HasPrefix(k, tagAddonPrefix) {
				tags[k] = v
			}
		}
	}
	return nil
}
