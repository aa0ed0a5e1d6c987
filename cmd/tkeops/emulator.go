package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/launch"
)

func newEmulatorCmd(streams IOStreams) *cobra.Command {
	var o launch.Settings
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve a local emulator of the Tencent Cloud API (VPC, TKE, Auto Scaling, Tag)",
		Long: `Emulator serves the parts of Tencent Cloud API 3.0 that tkeops uses on one HTTP listener:
VPC 2017-03-12, TKE 2018-05-25, Auto Scaling 2018-04-19 and Tag 2018-08-13. The unmodified
tencentcloud-sdk-go (and any other client of the API) works against it when given the
endpoint: HttpProfile.Endpoint = "<listen address>", HttpProfile.Scheme = "HTTP".

Requests must be signed with TC3-HMAC-SHA256 by a configured key pair. Key pairs come from
--credentials-file, from --credential, or else from TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY in the environment.

Clusters, endpoints and node pools go through their asynchronous states on the chosen
--timing. With --state the emulated account is saved (atomically) after every change and on
SIGINT/SIGTERM, and loaded again at start. Call counters are served at GET /_emulator/stats.

With --kube every emulated cluster is backed by a real etcd + kube-apiserver, started on its
first use (binaries from --kube-bin-dir; build them with 'make kube-bins'):
DescribeClusterKubeconfig returns a kubeconfig that reaches it, and each node that joins a
pool is registered as a Node (TKE's labels, the pool's labels and taints, Ready) and deleted
when its instance goes. No kubelet runs: pods are never started. Each API server's URL is
logged when it starts; 'kubectl get nodes -w' with the kubeconfig DescribeClusterKubeconfig
returns shows nodes appear, and 'tkeops plan/apply' reach the clusters the same way (node
drift, drain before scale-in, node readiness, baseline manifests). The servers stop with the
emulator; their state is not kept across restarts.

With --tls the same port also speaks HTTPS, with certificates from a local CA generated on
first use and written to --tls-ca (its key beside it, mode 0600): trust that file in the
client. Point a client at it directly (endpoint 127.0.0.1:PORT, scheme HTTPS), or use it as
an HTTPS proxy (HTTPS_PROXY=http://127.0.0.1:PORT) so that clients calling
<service>.tencentcloudapi.com reach the emulator, which routes them by the Host header.
See docs/emulator.md and docs/terraform.md.`,
		Example: `  TENCENTCLOUD_SECRET_ID=AKIDlocal TENCENTCLOUD_SECRET_KEY=secret \
    tkeops emulator --listen 127.0.0.1:9800 --state /tmp/cloud.json --timing demo
  tkeops emulator --credentials-file keys.json --timing cluster=30s,node=10s --rate-limits off
  tkeops emulator --kube --timing demo   # real API servers behind the clusters
  tkeops emulator --tls                  # HTTPS too, and an HTTPS proxy for *.tencentcloudapi.com
  tkeops emulator actions                # the emulated actions, as a Markdown table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.Options(streams.ErrOut, os.Getenv)
			if err != nil {
				return err
			}
			return launch.Run(cmd.Context(), o, opts, streams.Out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:9800", "address to listen on (host:port)")
	f.StringVar(&o.StateFile, "state", "", "file to persist the emulated account in (default: memory only)")
	f.StringVar(&o.CredentialsFile, "credentials-file", "", `key pairs: a JSON object {"<SecretId>": "<SecretKey>"} or lines "<SecretId> <SecretKey>"`)
	f.StringArrayVar(&o.Credentials, "credential", nil, "a key pair SECRET_ID:SECRET_KEY (repeatable; visible in the process list, prefer --credentials-file)")
	f.StringVar(&o.Timing, "timing", "instant", "transition speed: instant, demo, slow, or name=duration list (cluster, cluster-delete, upgrade, endpoint, endpoint-delete, nodepool, nodepool-update, nodepool-delete, node, tags, all)")
	f.StringVar(&o.RateLimits, "rate-limits", "on", "per-action rate limits (the real defaults): on|off")
	f.StringArrayVar(&o.RateLimitSets, "rate-limit", nil, "override one limit, e.g. tke.DescribeClusters=5 or vpc.*=50 (repeatable)")
	f.StringVar(&o.UIN, "uin", "", "account UIN used in Tag API resource names")
	f.StringVar(&o.LogLevel, "log-level", "info", "log level: debug|info|warn|error")
	f.StringVar(&o.LogFormat, "log-format", "text", "log format: text|json")
	f.BoolVar(&o.Kube, "kube", false, "back every emulated cluster with a real kube-apiserver (nodes registered as they join)")
	f.StringVar(&o.KubeBinDir, "kube-bin-dir", "", "directory of etcd and kube-apiserver for --kube (default: where 'make kube-bins' puts them)")
	f.BoolVar(&o.TLS, "tls", false, "serve HTTPS on the same port too, and act as an HTTPS proxy for <service>.tencentcloudapi.com")
	f.StringVar(&o.TLSCA, "tls-ca", "", "file of the local CA certificate for --tls, created when missing (default: <user config dir>/tkeops/emulator-ca.pem)")
	cmd.AddCommand(newEmulatorActionsCmd(streams))
	cmd.AddCommand(newEmulatorSeedCmd(streams)) // seed.go
	return cmd
}

// newEmulatorActionsCmd prints the emulated actions (the table docs/emulator.md holds).
func newEmulatorActionsCmd(streams IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "actions",
		Short: "List the API actions the emulator serves, as a Markdown table",
		Example: `  tkeops emulator actions
  tkeops emulator actions | grep '^| tke '`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(streams.Out, emulator.ActionsMarkdown())
			return err
		},
	}
}
