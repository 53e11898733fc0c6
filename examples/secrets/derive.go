package main

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/kubeprim/kubeprim/secrets"
)

// sites.txt is the bundled sample: the published Master Password test
// identity and a few sites, so that the output can be checked against Helm:
// {{ derivePassword 1 "long" "banana colored duckling" "Robert Lee Mitchell" "twitter.com" }}.
//
//go:embed sites.txt
var sampleSites string

const (
	sampleUser   = "Robert Lee Mitchell"
	sampleMaster = "banana colored duckling"
)

func runDerive(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("derive", "Derives site passwords with Master Password v3, the algorithm of Helm's\n"+
		"derivePassword. Without --user it uses the bundled sample identity and sites.", stderr)
	user := fs.String("user", "", "the user's full name (Helm's 4th argument); empty uses the sample identity")
	masterFile := fs.String("master-password-file", "", "file holding the master password (Helm's 3rd argument), \"-\" for stdin; required with --user")
	var sites listFlag
	fs.Var(&sites, "site", "a site to derive a password for (repeatable); default: the bundled sites")
	counter := fs.Uint("counter", 1, "the counter (Helm's 1st argument); bump it to rotate")
	passwordType := fs.String("type", "long", "password type: "+strings.Join(secrets.PasswordTypes(), ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	if *counter > 1<<32-1 {
		return fmt.Errorf("--counter %d is larger than 4294967295", *counter)
	}

	name, master := sampleUser, sampleMaster
	if *user != "" {
		if *masterFile == "" {
			return errors.New("--user needs --master-password-file (a file, or - for stdin), so the password is not in your shell history")
		}
		var err error
		if master, err = readMasterPassword(*masterFile); err != nil {
			return err
		}
		name = *user
	} else if *masterFile != "" {
		return errors.New("--master-password-file needs --user")
	}
	if len(sites) == 0 {
		sites = strings.Fields(sampleSites)
	}

	// One scrypt for the user, then one HMAC per site.
	deriver, err := secrets.NewDeriver(name, master)
	if err != nil {
		return err
	}
	defer deriver.Close()
	table := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(table, "SITE\tCOUNTER\tTYPE\tPASSWORD")
	for _, site := range sites {
		password, err := deriver.Password(site, uint32(*counter), *passwordType)
		if err != nil {
			return err
		}
		fmt.Fprintf(table, "%s\t%d\t%s\t%s\n", site, *counter, *passwordType, password)
	}
	return table.Flush()
}

// readMasterPassword reads the first line of path ("-" is stdin).
func readMasterPassword(path string) (string, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("read master password: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read master password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
