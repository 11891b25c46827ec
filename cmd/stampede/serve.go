package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/targets/topology"
)

func newServeCmd(env *Env) *cobra.Command {
	var (
		host string
		port int
		o    topology.Overrides
	)
	cmd := &cobra.Command{
		Use:   "serve TOPOLOGY|FILE.yaml",
		Short: "Start bundled target servers (a built-in topology or a topology file) on loopback",
		Long: `Start bundled target servers. TOPOLOGY is a built-in name:

  single-threaded  one server that handles one connection at a time
  concurrent       one server with a goroutine per connection (--workers K: instance size)
  lb               a load balancer over --backends N servers with --policy P
  cached           a caching proxy in front of a slow origin
  static           a static file server
  auth             login with sessions (or JWT)
  web              router → static files, auth, and a balanced app tier

or a topology file (YAML). Every piece listens on 127.0.0.1; the entry point on
--port, else the PORT environment variable, else 8080. The command prints every
address, the entry point's first ("... listening on URL"), when all are ready.

Backends serve GET /, /work?sleep=5ms&size=1024&status=200, /healthz and
/self; every response carries X-Backend. Every piece serves its counters at
GET /__stampede/stats; backends take faults at POST /__stampede/fault on
their admin address (action=kill|restart|hang|unhang|slow|error_rate|workers).`,
		Example: `  stampede serve concurrent --port 8080
  stampede serve lb --backends 4 --policy least-conn
  stampede serve my-topology.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadTopology(args[0])
			if err != nil {
				return usageError{err}
			}
			if err := spec.Apply(o); err != nil {
				return usageError{err}
			}
			if !cmd.Flags().Changed("port") {
				if p := env.Getenv("PORT"); p != "" {
					n, err := strconv.Atoi(p)
					if err != nil {
						return usageError{fmt.Errorf("PORT=%q: expected a port number", p)}
					}
					port = n
				}
			}
			if port < 0 || port > 65535 {
				return usageError{fmt.Errorf("--port %d: expected 0..65535", port)}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sys, err := topology.Start(ctx, spec, topology.Options{Host: host, EntryPort: port})
			if err != nil {
				return err
			}
			printTopology(env, sys)
			<-env.Signals
			fmt.Fprintln(env.Stderr, "shutting down")
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			return sys.Shutdown(sctx)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&host, "host", "127.0.0.1", "address every piece listens on")
	fs.IntVar(&port, "port", 8080, "port of the entry point (0 picks a free one; default from PORT, else 8080)")
	fs.IntVar(&o.Backends, "backends", 0, "number of backends behind the load balancer")
	fs.StringVar(&o.Policy, "policy", "", "load-balancing policy: round-robin|weighted|ip-hash|least-conn|least-time|random|p2c")
	fs.IntVar(&o.Workers, "workers", 0, "requests each backend serves at once, the rest queue (0: no limit)")
	fs.DurationVar(&o.Sleep, "sleep", 0, "default service time of the backends' /work")
	fs.IntVar(&o.Size, "size", 0, "default response size of the backends' /work in bytes")
	return cmd
}

// loadTopology reads a built-in name or a topology file.
func loadTopology(arg string) (*topology.Spec, error) {
	if !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml") {
		return topology.Builtin(arg)
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	return topology.Parse(arg, data)
}

// printTopology prints the entry point first (scripts that wait for "the
// address" take the first URL), then every piece with its address.
func printTopology(env *Env, sys *topology.System) {
	fmt.Fprintf(env.Stdout, "stampede target %s listening on %s\n", sys.Spec.Name, sys.Entry.URL)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, in := range sys.Instances {
		admin := ""
		if in.Admin != "" {
			admin = "admin " + in.Admin
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", in.ID, in.Kind, in.URL, admin)
	}
	tw.Flush()
}
