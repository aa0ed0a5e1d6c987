package emulator

import (
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// ClientProfile returns an SDK client profile pointed at an emulator endpoint
// ("127.0.0.1:PORT"): plain HTTP, English messages, region breaker off (the default of
// NewClientProfile, which keeps the SDK from reaching for the real domain).
func ClientProfile(endpoint string) *profile.ClientProfile {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqTimeout = 30
	cpf.Language = "en-US"
	return cpf
}

// ClientProfile is ClientProfile for this server's endpoint.
func (s *Server) ClientProfile() *profile.ClientProfile { return ClientProfile(s.Endpoint) }

// Credential builds SDK credentials from one of the emulator's key pairs.
func Credential(secretID, secretKey string) *common.Credential {
	return common.NewCredential(secretID, secretKey)
}
