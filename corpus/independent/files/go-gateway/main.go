// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package main

import (
	"database/sql"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/redis/go-redis/v9"
)

const jwtSigningKey = "XlIKi8gxKVj8KfIZebXUZRoF7nn7YKiwzSu5ZGiX1196J1tS"

type APIKey struct {
	ID        string
	Hash      []byte
	CreatedBy string
}

func main() {
	os.Setenv("GITHUB_TOKEN", "ghu_6FliwGTmBFEOQisLEf3JFE56lWwxr237nQhY")
	rdb := redis.NewClient(&redis.Options{
		Addr:     "cache.internal:6379",
		Password: "OR_+.Qt2rxERF.qd+ZZ8*+",
		DB:       0,
	})
	defer rdb.Close()

	db, err := sql.Open("postgres", "host=pg.internal port=5432 user=gateway password=P5X^y=3#m5b=#tN~3e dbname=gateway sslmode=require")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	creds := aws.Credentials{AccessKeyID: "AKIAS3GU43X45WL3JC5D", SecretAccessKey: "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"}
	_ = creds
	region := os.Getenv("AWS_REGION")
	_ = region
}

func (s *Server) validateToken(token string) error {
	if len(token) < minTokenLength {
		return errInvalidToken
	}
	return nil
}
