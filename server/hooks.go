package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tkeops/tkeops/forge"
)

// Webhook results, the label values of tkeops_webhook_deliveries_total.
const (
	resultAccepted     = "accepted"
	resultIgnored      = "ignored"
	resultBadSignature = "bad_signature"
	resultTooLarge     = "too_large"
	resultBadRequest   = "bad_request"
	resultReplayed     = "replayed"
)

type hookResponse struct {
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
}

func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("forge")
	hookSecret, ok := s.opts.Webhooks[kind]
	if !ok {
		http.NotFound(w, r)
		return
	}
	log := s.log.With("forge", kind)
	reply := func(code int, result, detail string) {
		s.webhooks.WithLabelValues(kind, result).Inc()
		if code >= 400 {
			log.Warn("webhook refused", "status", code, "result", result, "detail", detail)
		} else {
			log.Info("webhook", "status", code, "result", result, "detail", detail)
		}
		writeJSON(w, code, hookResponse{Result: result, Detail: detail})
	}
	// MaxBytesReader also tells the server to close the connection past the limit.
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	ev, err := forge.ParseWebhook(kind, r, []byte(hookSecret), s.opts.MaxBodyBytes)
	var mbe *http.MaxBytesError
	var perr *forge.PayloadError
	switch {
	case errors.Is(err, forge.ErrBadSignature):
		reply(http.StatusUnauthorized, resultBadSignature, "signature missing or invalid")
		return
	case errors.Is(err, forge.ErrTooLarge), errors.As(err, &mbe):
		reply(http.StatusRequestEntityTooLarge, resultTooLarge, "body over the limit")
		return
	case errors.As(err, &perr):
		reply(http.StatusBadRequest, resultBadRequest, perr.Error())
		return
	case err != nil:
		reply(http.StatusBadRequest, resultBadRequest, err.Error())
		return
	}
	log = log.With("delivery", ev.DeliveryID, "event", ev.RawEvent)
	if ev.DeliveryID != "" && s.replays.seenBefore(kind+"/"+ev.DeliveryID) {
		reply(http.StatusConflict, resultReplayed, "delivery "+ev.DeliveryID+" was already received")
		return
	}
	if ev.Kind == forge.EventPush && ev.Deleted {
		reply(http.StatusOK, resultIgnored, "push deleted "+ev.Ref)
		return
	}
	if !s.leader() {
		// Only the leader runs; its poll picks the change up.
		reply(http.StatusAccepted, resultIgnored, "this replica is not the leader; the leader's poll will pick the change up")
		return
	}
	accepted, why := s.opts.Loop.HandleEvent(ev)
	switch {
	case ev.Kind == forge.EventPing:
		reply(http.StatusOK, resultAccepted, "pong")
	case accepted:
		reply(http.StatusAccepted, resultAccepted, why)
	default:
		reply(http.StatusOK, resultIgnored, why)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
