package spec

import "testing"

func TestScalingMovesKeepDesiredWithinBounds(t *testing.T) {
	ptr := func(n int) *int { return &n }
	for lmin := 0; lmin <= 4; lmin++ {
		for lmax := lmin; lmax <= 4; lmax++ {
			for ld := lmin; ld <= lmax; ld++ {
				for wmin := 0; wmin <= 4; wmin++ {
					for wmax := wmin; wmax <= 4; wmax++ {
						for wd := wmin; wd <= wmax; wd++ {
							live := NodePoolScaling{Min: lmin, Max: lmax, Desired: ptr(ld)}
							want := NodePoolScaling{Min: wmin, Max: wmax, Desired: ptr(wd)}
							moves := ScalingMoves(live, want)
							cur := ScalingMove{Min: lmin, Max: lmax, Desired: ld}
							for _, m := range moves {
								if m.SetsBounds {
									if m.Desired != cur.Desired {
										t.Fatalf("%v → %v: a bounds move changes desired: %+v", live, want, moves)
									}
								} else if m.Min != cur.Min || m.Max != cur.Max {
									t.Fatalf("%v → %v: a desired move changes bounds: %+v", live, want, moves)
								}
								cur = m
								if cur.Desired < cur.Min || cur.Desired > cur.Max {
									t.Fatalf("%v → %v: desired %d outside [%d, %d] after %+v", live, want, cur.Desired, cur.Min, cur.Max, moves)
								}
							}
							if cur.Min != wmin || cur.Max != wmax || cur.Desired != wd {
								t.Fatalf("%v → %v: ends at %+v", live, want, cur)
							}
							if len(moves) > 3 || (lmin == wmin && lmax == wmax && ld == wd && len(moves) != 0) {
								t.Fatalf("%v → %v: %d moves: %+v", live, want, len(moves), moves)
							}
						}
					}
				}
			}
		}
	}
}
