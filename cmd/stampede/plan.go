package main

import "github.com/stampede-lab/stampede/scenarios"

// planTarget names what a plan is run against, for the start line and the
// dashboard: its first request, or for flows the base URL or first step.
func planTarget(p *scenarios.Plan) string {
	switch {
	case len(p.Requests) > 0:
		return p.Requests[0].URL
	case p.BaseURL != "":
		return p.BaseURL
	}
	for _, f := range p.Flows {
		for _, st := range f.Steps {
			if st.Request != nil {
				return st.Request.URL.Raw
			}
		}
	}
	return ""
}
