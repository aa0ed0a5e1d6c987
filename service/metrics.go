package service

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the service's Prometheus metrics. They are registered on a registry the
// caller owns (never the global default one).
type Metrics struct {
	runDuration   *prometheus.HistogramVec
	planDuration  *prometheus.HistogramVec
	runs          *prometheus.CounterVec
	apiCalls      *prometheus.CounterVec
	apiThrottles  *prometheus.CounterVec
	apiRetries    *prometheus.CounterVec
	drifted       prometheus.Gauge
	pending       prometheus.Gauge
	lastSync      prometheus.Gauge
	gitDuration   *prometheus.HistogramVec
	gitUp         prometheus.Gauge
	gitFailures   prometheus.Counter
	statusErrors  prometheus.Counter
	queuedTrigger prometheus.Gauge
	leader        prometheus.Gauge
	buildInfo     *prometheus.GaugeVec
	webhooks      *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tkeops_run_duration_seconds",
			Help:    "Duration of whole runs (checkout, load, plan, apply, status) by kind and result.",
			Buckets: []float64{0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600},
		}, []string{"kind", "result"}),
		planDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tkeops_plan_duration_seconds",
			Help:    "Duration of the plan phase (observe live state and diff) by run kind.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 12),
		}, []string{"kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tkeops_runs_total",
			Help: "Runs by kind and result (succeeded, failed, invalid, error, abandoned, drift, corrected, needs-approval, refused).",
		}, []string{"kind", "result"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tkeops_api_calls_total",
			Help: "Cloud API calls by action (service:Action) and result code (\"ok\" or the API error code).",
		}, []string{"action", "code"}),
		apiThrottles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tkeops_api_throttles_total",
			Help: "Cloud API calls refused by rate limiting, by action.",
		}, []string{"action"}),
		apiRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tkeops_api_retries_total",
			Help: "Cloud API calls retried (by the SDK or the provider), by action and the error code that caused the retry.",
		}, []string{"action", "code"}),
		drifted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_drifted_resources",
			Help: "Resources whose live state moved away from the spec, at the last drift report.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_drift_pending_changes",
			Help: "Resources the last drift report would change (create, update, replace or delete).",
		}),
		lastSync: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_last_successful_sync_timestamp_seconds",
			Help: "Unix time of the last apply run that ended with every resource healthy.",
		}),
		gitDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tkeops_git_fetch_duration_seconds",
			Help:    "Duration of git operations (poll, checkout, fetch_ref) by result.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}, []string{"op", "result"}),
		gitUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_git_remote_up",
			Help: "1 when the last poll of the git remote succeeded, 0 while it is unreachable.",
		}),
		gitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tkeops_git_poll_failures_total",
			Help: "Polls of the git remote that failed; the loop backs off while they repeat.",
		}),
		statusErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tkeops_forge_status_errors_total",
			Help: "Commit statuses or comments the forge refused or did not answer.",
		}),
		queuedTrigger: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_queued_triggers",
			Help: "Triggers waiting for the loop (after coalescing).",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tkeops_leader",
			Help: "1 while this replica leads (polls, plans and applies), 0 on a standby.",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tkeops_build_info",
			Help: "Always 1; the labels say which build runs (version, git revision, Go version).",
		}, []string{"version", "revision", "goversion"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tkeops_webhook_deliveries_total",
			Help: "Webhook deliveries by forge and result (accepted, ignored, replayed, error, bad_signature, too_large, bad_request, not_found).",
		}, []string{"forge", "result"}),
	}
	for _, c := range []prometheus.Collector{m.runDuration, m.planDuration, m.runs, m.apiCalls, m.apiThrottles, m.apiRetries,
		m.drifted, m.pending, m.lastSync, m.gitDuration, m.gitUp, m.gitFailures, m.statusErrors, m.queuedTrigger,
		m.leader, m.buildInfo, m.webhooks} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveAPICall counts one cloud API call. The engine's provider feeds it (through
// an HTTP transport wrapper or a hook): action is "service:Action", code is "ok" or
// the API error code; throttled marks rate-limit refusals.
func (m *Metrics) ObserveAPICall(action, code string, throttled bool) {
	if m == nil {
		return
	}
	m.apiCalls.WithLabelValues(action, code).Inc()
	if throttled {
		m.apiThrottles.WithLabelValues(action).Inc()
	}
}

// ObserveAPIRetry counts one retry of a cloud API call (the provider's OnRetry hook):
// action is "service:Action", code the error code that caused it.
func (m *Metrics) ObserveAPIRetry(action, code string) {
	if m == nil {
		return
	}
	m.apiRetries.WithLabelValues(action, code).Inc()
}

func (m *Metrics) observeGit(op string, start time.Time, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.gitDuration.WithLabelValues(op, result).Observe(time.Since(start).Seconds())
}

// SetLeader sets tkeops_leader.
func (m *Metrics) SetLeader(leading bool) {
	if m == nil {
		return
	}
	v := 0.0
	if leading {
		v = 1
	}
	m.leader.Set(v)
}

// SetBuildInfo sets tkeops_build_info.
func (m *Metrics) SetBuildInfo(version, revision, goVersion string) {
	if m == nil {
		return
	}
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version, revision, goVersion).Set(1)
}

// ObserveWebhook counts one webhook delivery by forge and result.
func (m *Metrics) ObserveWebhook(forgeKind, result string) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(forgeKind, result).Inc()
}
