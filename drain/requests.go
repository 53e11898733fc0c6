package drain

import (
	"maps"
	"sync"
)

// Request kinds counted in Report.Requests.
const (
	reqGetNode      = "get node"
	reqPatchNode    = "patch node"
	reqListPods     = "list pods"
	reqWatchPods    = "watch pods"
	reqListBudgets  = "list poddisruptionbudgets"
	reqWatchBudgets = "watch poddisruptionbudgets"
	reqEvict        = "create eviction"
	reqDeletePod    = "delete pod"
	reqListNodes    = "list nodes"
)

// requestCounter counts the API requests a drain sends, by kind. Each
// request is one HTTP request: the api type keeps client-go from repeating
// any on its own.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *requestCounter) add(kind string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[kind]++
}

// snapshot returns the counts and their total.
func (c *requestCounter) snapshot() (map[string]int, int) {
	if c == nil {
		return nil, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.counts {
		total += n
	}
	return maps.Clone(c.counts), total
}
