package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// isAdmin reports whether path is one of the admin endpoints'.
func isAdmin(path string) bool { return strings.HasPrefix(path, adminPrefix) }

// serveAdmin serves the admin endpoints, which bypass hang, workers and
// every other fault, and are not counted in Stats:
//
//	GET  /__stampede/stats   Stats as JSON
//	POST /__stampede/fault?action=ACTION[&...]   change the fault state; answers it as JSON
//
// where ACTION is one of
//
//	kill                  Kill; over the main address, the connection of this request is closed after the answer
//	restart               Restart: only useful on the admin address, since a killed server's own address is closed
//	hang[&on=false]       Hang(true), or Hang(false)
//	unhang                Hang(false)
//	slow&duration=200ms   Slow; duration=0 switches it off
//	error_rate&p=0.05     SetErrorRate
//	workers&n=4           SetWorkers
//	heal                  undo every fault: unhang, slow 0, error rate 0, restart
//
// The parameters may also come as a form body.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case adminPrefix + "stats":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodResponse.write(w, r)
			return
		}
		writeJSON(w, r, s.Stats())
	case adminPrefix + "fault":
		if r.Method != http.MethodPost {
			w.Header()["Allow"] = hdrAllowPost
			http.Error(w, "405 method not allowed: use POST", http.StatusMethodNotAllowed)
			return
		}
		s.serveFault(w, r)
	default:
		notFoundResponse.write(w, r)
	}
}

// faultReply is the answer of POST /__stampede/fault.
type faultReply struct {
	ID      string     `json:"id"`
	Action  string     `json:"action"`
	Faults  FaultState `json:"faults"`
	Workers int        `json:"workers"`
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	action := r.Form.Get("action")
	kill, err := s.applyFault(action, r.Form)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if kill {
		// Kill all but the connection of this request, if it came over the
		// main address, so that it can be answered; it closes after the
		// answer. Either way the server is down once the answer is out.
		self, _ := r.Context().Value(connKey{}).(net.Conn)
		s.ln.kill(self)
		if self != nil {
			w.Header()["Connection"] = hdrClose
		}
	}
	writeJSON(w, r, faultReply{ID: s.id, Action: action, Faults: s.faultState(), Workers: s.pool.stats().size})
}

// applyFault applies one admin action, except kill, which it reports for
// the caller to apply, sparing the connection it answers on.
func (s *Server) applyFault(action string, form map[string][]string) (kill bool, err error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	switch action {
	case "kill":
		return true, nil
	case "restart":
		return false, s.Restart()
	case "hang":
		on := true
		if v := get("on"); v != "" {
			if on, err = strconv.ParseBool(v); err != nil {
				return false, fmt.Errorf("hang: on=%q: want true or false", v)
			}
		}
		s.Hang(on)
	case "unhang":
		s.Hang(false)
	case "slow":
		d, err := time.ParseDuration(get("duration"))
		if err != nil {
			return false, fmt.Errorf("slow: duration=%q: want a duration such as 200ms (0 to switch off)", get("duration"))
		}
		return false, s.Slow(d)
	case "error_rate":
		p, err := strconv.ParseFloat(get("p"), 64)
		if err != nil {
			return false, fmt.Errorf("error_rate: p=%q: want a probability from 0 to 1", get("p"))
		}
		return false, s.SetErrorRate(p)
	case "workers":
		n, err := strconv.Atoi(get("n"))
		if err != nil {
			return false, fmt.Errorf("workers: n=%q: want a number of workers (0 for no limit)", get("n"))
		}
		return false, s.SetWorkers(n)
	case "heal":
		s.Hang(false)
		_ = s.Slow(0)
		_ = s.SetErrorRate(0)
		return false, s.Restart()
	default:
		return false, fmt.Errorf("action=%q: want kill, restart, hang, unhang, slow, error_rate, workers or heal", action)
	}
	return false, nil
}

// writeJSON answers v as indented JSON.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encoding JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	w.Header()["Content-Type"] = hdrJSON
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// adminServer serves the admin endpoints on their own address, which Kill
// leaves up.
type adminServer struct {
	addr      string
	srv       *http.Server
	conns     sync.WaitGroup // as Server.conns
	served    chan struct{}
	stopWatch func() bool
}

func startAdmin(ctx context.Context, s *Server, cfg Config) (*adminServer, error) {
	addr, _ := listenAddr(cfg.AdminAddr) // valid: checked by Validate
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	a := &adminServer{addr: ln.Addr().String(), served: make(chan struct{})}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	a.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["X-Backend"] = s.idHdr
			s.serveAdmin(w, r)
		}),
		Protocols:         &protocols,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		ErrorLog:          errorLog,
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew:
				a.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				a.conns.Done()
			}
		},
	}
	a.stopWatch = context.AfterFunc(ctx, func() { _ = a.srv.Close() })
	go func() {
		defer close(a.served)
		_ = a.srv.Serve(ln) // ends with ErrServerClosed, or an accept error nobody can act on
	}()
	return a, nil
}

func (a *adminServer) shutdown(ctx context.Context) error {
	err := a.srv.Shutdown(ctx)
	if err != nil {
		_ = a.srv.Close()
		err = fmt.Errorf("admin: %w", err)
	}
	<-a.served
	a.conns.Wait()
	a.stopWatch()
	return err
}
