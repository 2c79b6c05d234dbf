package tokendb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidRequest reports a Request that fails validation.
	ErrInvalidRequest = errors.New("invalid force-delete request")
	// ErrInvalidURL reports a database URL that cannot be used.
	ErrInvalidURL = errors.New("invalid database URL")
	// ErrConnect reports that no connection to PostgreSQL could be made.
	ErrConnect = errors.New("cannot connect to PostgreSQL")
	// ErrAuthentication reports that PostgreSQL rejected the credentials
	// (SQLSTATE 28P01 or 28000). It comes together with ErrConnect.
	ErrAuthentication = errors.New("PostgreSQL rejected the credentials")
	// ErrTransaction reports that a statement of the delete transaction
	// failed; the transaction was rolled back (unless the failing step is
	// "commit", whose outcome the server may not have reported).
	ErrTransaction = errors.New("force-delete transaction failed")
)

// URLError reports an unusable database URL. It never holds the URL.
type URLError struct {
	Reason string // why the URL was rejected, without its content
}

// Error implements error.
func (e *URLError) Error() string { return "invalid database URL: " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalidURL) true.
func (e *URLError) Unwrap() error { return ErrInvalidURL }

// ConnectError reports a failed connection. Its text is built from the
// target's host, port, user and database and a scrubbed cause; it never holds
// the URL or the password.
type ConnectError struct {
	Host     string // host name, address or socket directory
	Port     uint16
	User     string
	Database string
	SQLState string // server error code when the server answered, e.g. 28P01
	Cause    string // scrubbed description of the underlying failure

	auth   bool
	ctxErr error
}

// Error implements error.
func (e *ConnectError) Error() string {
	return fmt.Sprintf("connect to PostgreSQL at %s as %s (database %s): %s",
		net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))), e.User, e.Database, e.Cause)
}

// Unwrap makes errors.Is true for ErrConnect, for ErrAuthentication when the
// credentials were rejected, and for context.Canceled/DeadlineExceeded when the
// context ended the attempt.
func (e *ConnectError) Unwrap() []error {
	errs := []error{ErrConnect}
	if e.auth {
		errs = append(errs, ErrAuthentication)
	}
	if e.ctxErr != nil {
		errs = append(errs, e.ctxErr)
	}
	return errs
}

// StepError reports a failed statement of the delete transaction.
type StepError struct {
	Step      string // what was being done, e.g. "delete key rows"
	Statement string // the parameterised SQL (no values)
	SQLState  string // server error code, when the server reported one
	Cause     string // scrubbed description of the failure

	pgErr  *pgconn.PgError
	ctxErr error
}

// Error implements error.
func (e *StepError) Error() string {
	if e.Step == stepCommit {
		return fmt.Sprintf("force delete: %s: %s (the outcome is unknown: verify the key)", e.Step, e.Cause)
	}
	return fmt.Sprintf("force delete: %s: %s (transaction rolled back, nothing was deleted)", e.Step, e.Cause)
}

// Unwrap makes errors.Is(err, ErrTransaction) true, errors.As reach the
// server's *pgconn.PgError, and errors.Is match a context error.
func (e *StepError) Unwrap() []error {
	errs := []error{ErrTransaction}
	if e.pgErr != nil {
		errs = append(errs, e.pgErr)
	}
	if e.ctxErr != nil {
		errs = append(errs, e.ctxErr)
	}
	return errs
}

func newConnectError(ctx context.Context, c *connConfig, err error) *ConnectError {
	ce := &ConnectError{
		Host:     c.pgx.Host,
		Port:     c.pgx.Port,
		User:     c.pgx.User,
		Database: c.pgx.Database,
		ctxErr:   contextErr(ctx, err),
	}
	// pgconn.ConnectError's own text starts with the config; use what it wraps.
	cause := err
	var pce *pgconn.ConnectError
	if errors.As(err, &pce) {
		if inner := errors.Unwrap(pce); inner != nil {
			cause = inner
		}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		ce.SQLState = pgErr.Code
		ce.auth = pgErr.Code == "28P01" || pgErr.Code == "28000"
	}
	ce.Cause = scrub(cause.Error(), c.secrets)
	return ce
}

func newStepError(ctx context.Context, c *connConfig, step, stmt string, err error) *StepError {
	se := &StepError{Step: step, Statement: stmt, ctxErr: contextErr(ctx, err)}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		se.SQLState = pgErr.Code
		se.pgErr = pgErr
	}
	// PgError.Error() is severity, message and code. Its Detail is left out:
	// for some errors it is the whole failing row; errors.As reaches it.
	se.Cause = scrub(err.Error(), c.secrets)
	if pgErr != nil && pgErr.ConstraintName != "" {
		se.Cause += " (constraint " + scrub(pgErr.ConstraintName, c.secrets) + ")"
	}
	return se
}

// contextErr returns the context's error when it ended the operation.
func contextErr(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return ctx.Err()
}
