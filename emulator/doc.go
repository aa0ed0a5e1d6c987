// Package emulator is an in-process double of the parts of the Tencent Cloud API 3.0
// that tkeops uses: VPC 2017-03-12, TKE 2018-05-25, Auto Scaling 2018-04-19 and
// Tag 2018-08-13.
//
// It speaks the wire protocol exactly as the real service does, so the unmodified
// tencentcloud-sdk-go clients work against it when pointed at its endpoint:
// one HTTP listener for every product, routed by the service named in the TC3
// credential scope plus X-TC-Version and X-TC-Action; TC3-HMAC-SHA256 signatures
// verified against configured key pairs; requests decoded with the SDK's own
// request types (unknown top-level parameters are refused); responses encoded
// from the SDK's response types with a RequestId; business errors as HTTP 200
// with the error envelope.
//
// Resources behave like the real ones rather than like a key-value store:
// clusters, endpoints and node pools go through their asynchronous lifecycles
// on a clock (instant, demo or slow timings), node pools scale instances to
// their desired capacity, and the consistency rules of the real API (CIDR
// checks, dependants, deletion protection, capacity bounds, quotas, per-action
// rate limits) answer with the real error codes. Faults can be injected per
// action, state can be persisted to a file, and calls are counted per action
// for benchmarks (Go API and GET /_emulator/stats).
package emulator
