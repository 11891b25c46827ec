// Command balancer runs stampede's L7 or L4 balancer for the benchmark, on
// 127.0.0.1, until SIGINT/SIGTERM or -max.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/stampede-lab/stampede/targets/lb"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18100", "listen address")
	mode := flag.String("mode", lb.ModeL7, "l7 or l4")
	policy := flag.String("policy", lb.PolicyRoundRobin, "one of "+strings.Join(lb.Policies(), ", "))
	backends := flag.String("backends", "", "comma-separated backend URLs")
	maxLife := flag.Duration("max", 5*time.Minute, "exit after this long, whatever happens")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	cfg := lb.Config{Addr: *addr, Mode: *mode, Policy: *policy}
	for u := range strings.SplitSeq(*backends, ",") {
		if u != "" {
			cfg.Backends = append(cfg.Backends, lb.Backend{URL: u})
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxLife)
	defer cancel()
	b, err := lb.Start(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("balancer ready on %s (%s, %s)\n", b.Addr(), *mode, *policy)
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = b.Shutdown(sctx)
}
