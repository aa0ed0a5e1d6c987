package source

import "strings"

// The three-way line merge behind Merge: the classic diff3 procedure. Lines of
// the base that both sides kept unchanged (found by a longest common
// subsequence with each side) split the files into stable and unstable chunks;
// an unstable chunk takes the side that changed it, or either when both made
// the same change, and is a conflict when both changed it differently. Spec
// files are small; past maxMergeCells compared lines the merge gives up and
// reports a conflict rather than spend minutes.

const maxMergeCells = 16 << 20

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lcsMatch maps each line of a kept in b to its index in b (-1 when not kept).
func lcsMatch(a, b []string) ([]int, bool) {
	n, m := len(a), len(b)
	if n*m > maxMergeCells {
		return nil, false
	}
	// dp[i][j]: LCS length of a[i:] and b[j:], one row of m+1 per i.
	dp := make([][]int32, n+1)
	for i := range dp {
		dp[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				dp[i][j] = dp[i+1][j+1] + 1
			case dp[i+1][j] >= dp[i][j+1]:
				dp[i][j] = dp[i+1][j]
			default:
				dp[i][j] = dp[i][j+1]
			}
		}
	}
	match := make([]int, n)
	for i := range match {
		match[i] = -1
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			match[i] = j
			i++
			j++
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	return match, true
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// merge3 merges ours and theirs, both descended from base. ok is false on a
// conflict.
func merge3(base, ours, theirs []string) ([]string, bool) {
	mo, ok1 := lcsMatch(base, ours)
	mt, ok2 := lcsMatch(base, theirs)
	if !ok1 || !ok2 {
		return nil, false
	}
	var out []string
	ib, io, it := 0, 0, 0
	for {
		// The next base line both sides kept, at or after ib.
		next := -1
		for k := ib; k < len(base); k++ {
			if mo[k] >= io && mt[k] >= it {
				next = k
				break
			}
		}
		eb, eo, et := len(base), len(ours), len(theirs)
		if next >= 0 {
			eb, eo, et = next, mo[next], mt[next]
		}
		b, o, t := base[ib:eb], ours[io:eo], theirs[it:et]
		switch {
		case equal(o, t), equal(b, t):
			out = append(out, o...)
		case equal(b, o):
			out = append(out, t...)
		default:
			return nil, false
		}
		if next < 0 {
			return out, true
		}
		out = append(out, base[next])
		ib, io, it = next+1, eo+1, et+1
	}
}
