package tokendb

// CheckURL reports whether databaseURL can be used, without connecting, so
// that a malformed URL is refused before anything is sent anywhere. Its
// error never contains the URL or the password.
func CheckURL(databaseURL string) error {
	_, err := parseDatabaseURL(databaseURL)
	return err
}
