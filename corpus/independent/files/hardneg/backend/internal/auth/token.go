// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package auth

type APIToken struct { ID string; Secret []byte }
func (s *Store) RotateSecret(ctx context.Context, name string) error {
token := r.Header.Get("Authorization")
password := os.Getenv("DB_PASSWORD")
var ErrBadPassword = errors.New("password mismatch")
secretKey := make([]byte, 32)
