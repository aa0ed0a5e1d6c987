package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/service"
)

// Webhook results the server decides, label values of
// tkeops_webhook_deliveries_total next to the service's (accepted, ignored,
// replayed, error).
const (
	resultBadSignature = "bad_signature"
	resultTooLarge     = "too_large"
	resultBadRequest   = "bad_request"
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
		s.opts.Metrics.ObserveWebhook(kind, result)
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
	result, detail, err := s.opts.Loop.Receive(r.Context(), ev)
	switch {
	case err != nil:
		log.Error("webhook: record delivery", "error", err)
		reply(http.StatusServiceUnavailable, result, detail)
	case result == service.ReceiptReplayed:
		reply(http.StatusConflict, result, detail)
	case result == service.ReceiptAccepted && ev.Kind != forge.EventPing:
		reply(http.StatusAccepted, result, detail)
	default:
		reply(http.StatusOK, result, detail)
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
