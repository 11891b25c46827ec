// Package static is stampede's static-file target: a server of a directory,
// or of generated files of given sizes, that answers the way a CDN edge or
// a web server in front of an app does, so that labs can measure what
// caching headers, conditional requests and byte ranges do to load.
//
// Every file response carries Content-Type (from the extension, by a fixed
// table, so every machine answers alike), Content-Length, a strong ETag (a
// hash of the content), Last-Modified and Cache-Control (from rules by path
// prefix). Conditional requests (If-None-Match, If-Modified-Since, If-Match,
// If-Unmodified-Since, If-Range), Range requests (206, multipart ranges,
// 416) and HEAD are answered by net/http's ServeContent, which gets them
// right, rather than by code of our own.
//
// Paths under /private/ can be reserved for logged-in users by a pluggable
// Authorizer; package auth provides one that checks a session cookie or a
// JWT.
//
// A directory is read through an os.Root, so no request path, symbolic link
// or ".." can reach outside it; request paths that are not clean (such as
// /../x, /%2e%2e/x, //etc/passwd or /a/./b) get 400 before any file is
// touched, and dot files (/.git/config) get 404.
//
// Package static imports nothing else of stampede and reads no process
// state other than the directory it is given.
package static
