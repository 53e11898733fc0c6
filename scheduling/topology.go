package scheduling

// topologyKey interns the values the nodes carry for one label key, so that
// per-pod counters can be slices indexed by value instead of maps keyed by
// (key, value) pairs as in the scheduler.
type topologyKey struct {
	key string
	// valueOf is, per node, the index of its value in values, or -1 when the
	// node does not have the label.
	valueOf []int32
	values  []string
}

// topologyKey returns the interned values of key, building them on first use.
// It is safe for concurrent use.
func (s *Simulator) topologyKey(key string) *topologyKey {
	s.topoMu.Lock()
	defer s.topoMu.Unlock()
	if t, ok := s.topo[key]; ok {
		return t
	}
	t := &topologyKey{key: key, valueOf: make([]int32, len(s.nodes))}
	ids := map[string]int32{}
	for i := range s.nodes {
		v, ok := s.nodes[i].labels[key]
		if !ok {
			t.valueOf[i] = -1
			continue
		}
		id, seen := ids[v]
		if !seen {
			id = int32(len(t.values))
			t.values = append(t.values, v)
			ids[v] = id
		}
		t.valueOf[i] = id
	}
	s.topo[key] = t
	return t
}
