package tencentcloud

import (
	"context"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// A full plan finds the regions the owner has resources in (OwnedRegions: every
// resource carrying the owner tag, from tag:GetResources, with its tags). The same
// answer tells which kinds the owner has in each region, from the tkeops.io/name tag
// ("<Kind>/<name>"). A kind whose resources each carry their own ownership tags (the
// network kinds) and that nothing declares in a region need not list that region:
// the owner has nothing of it there to delete. This saves one list page per such
// kind and region on every no-op plan. It is only used within the pass that read
// it (a full plan's), and only when nothing of the kind is wanted in the region: a wanted resource
// is always looked for, so an index that lags behind the product can never make a
// plan create twice, at worst show a delete one plan later (as it would leave out a
// region; real tag indexes are updated within seconds).

// ownedKindsKey is the pass' memo of the owner's kinds per region.
const ownedKindsKey = "tencentcloud/owned-kinds"

// ownedKinds holds, per region of the Tag service's resource names, the kinds the
// owner has there; region "" holds those whose name gives no region.
type ownedKinds map[string]map[spec.Kind]bool

// add records one tagged resource of region: the region, and the kind its name tag
// gives.
func (k ownedKinds) add(region string, tags []*tag.Tag) {
	if k[region] == nil {
		k[region] = map[spec.Kind]bool{}
	}
	all := map[string]string{}
	for _, t := range tags {
		if t != nil {
			all[sv(t.TagKey)] = sv(t.TagValue)
		}
	}
	if _, own := splitTags(all); own.hasTag {
		k[region][own.addr.Kind] = true
	}
}

// ownsNone reports whether this observation may skip listing kind in the client's
// region: nothing of it is wanted (nwant == 0), it belongs to a full plan's pass (a
// round, not scoped: not a plan scoped to a change, not an apply's waits), and the
// owner has none of the kind in the region, nor any whose region the name does not
// give. The owner's resources are read once per pass, shared with OwnedRegions (the
// first of the two to ask makes the read). A kind that every region lists
// (regionless: a CCN, a private DNS zone) is listed wherever the owner has one of it
// at all. When the read fails the kind is listed.
func (c *Client) ownsNone(ctx context.Context, kind spec.Kind, nwant int, regionless bool) bool {
	if nwant > 0 || !providers.InRound(ctx) {
		return false
	}
	if _, scoped := providers.ScopeOf(ctx, kind); scoped {
		return false
	}
	k, err := providers.Once(ctx, ownedKindsKey, func() (ownedKinds, error) { return c.conn.ownedKinds(ctx) })
	if err != nil {
		return false
	}
	if regionless {
		for _, kinds := range k {
			if kinds[kind] {
				return false
			}
		}
		return true
	}
	return !k[c.region][kind] && !k[""][kind]
}
