package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/targets"
)

func newServeCmd(env *Env) *cobra.Command {
	var (
		host  string
		port  int
		sleep time.Duration
		size  int
	)
	cmd := &cobra.Command{
		Use:   "serve concurrent",
		Short: "Start a bundled target server on loopback",
		Long: `Start a bundled target server. Available: concurrent (a goroutine per
connection). It serves GET / (a small body), /work?sleep=5ms&size=1024&status=200
(simulated work) and /healthz, on 127.0.0.1 by default, and prints its address
when it is ready. The port comes from --port, else the PORT environment
variable, else 8080.`,
		Example:   "  stampede serve concurrent --port 8080",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"concurrent"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "concurrent" {
				return usageError{fmt.Errorf("unknown target %q: available: concurrent", args[0])}
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
			srv, err := targets.Start(ctx, targets.Config{
				Addr: net.JoinHostPort(host, strconv.Itoa(port)),
				Work: targets.WorkSpec{Sleep: sleep, Size: size},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "stampede target concurrent listening on %s\n", srv.URL())
			<-env.Signals
			fmt.Fprintln(env.Stderr, "shutting down")
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			return srv.Shutdown(sctx)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&port, "port", 8080, "port to listen on (0 picks a free one; default from PORT, else 8080)")
	fs.DurationVar(&sleep, "sleep", 0, "default service time of /work")
	fs.IntVar(&size, "size", 1024, "default response size of /work in bytes")
	return cmd
}
