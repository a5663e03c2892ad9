package refs

import (
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

var goodRefs = []string{
	"v1.2.0", "main", "master", "base", "feature/x", "feature/x-y_z.1", "refs/pull/12/head", "refs/pull/7/merge",
	"refs/heads/main", "refs/tags/v1.2.0", "release/2024.01", "HEAD", "a", "a/b/c/d", "1.10", "x@y", "a@b/c",
	"0123456", "0123456789abcdef0123456789abcdef01234567", "DEADBEEF", "a+b", "a,b", "a=b", "a%b", "a#b", "a!b",
	"x.lockx", "a/b.c", strings.Repeat("r", MaxLen),
}

var badRefs = []struct{ ref, why string }{
	{"", "empty"},
	{strings.Repeat("r", MaxLen+1), "longer than"},
	{"-x", "starts with '-'"},
	{"--upload-pack=touch /tmp/x", "starts with '-'"},
	{"$(touch /tmp/x)", "' '"},
	{";touch /tmp/x", "' '"},
	{"`id` x", "' '"},
	{"../../etc", "'..'"},
	{"a..b", "'..'"},
	{"@", "is '@'"},
	{"a@{1}", "'@{'"},
	{"a//b", "'//'"},
	{"/a", "starts or ends with '/'"},
	{"a/", "starts or ends with '/'"},
	{"a.", "ends with '.'"},
	{"a/b.", "ends with '.'"},
	{".a", "starts with '.'"},
	{"a/.b", "starts with '.'"},
	{"a.lock", ".lock"},
	{"a.lock/b", ".lock"},
	{"a~1", "'~'"},
	{"a^", "'^'"},
	{"a:b", "':'"},
	{"a?", "'?'"},
	{"a*", "'*'"},
	{"a[b", "'['"},
	{`a\b`, `'\\'`},
	{"a b", "' '"},
	{"a\tb", `'\t'`},
	{"a\nb", `'\n'`},
	{"a\rb", `'\r'`},
	{"a\x00b", `'\x00'`},
	{"a\x1bb", `'\x1b'`},
	{"a\x7fb", `'\x7f'`},
	{"é", "non-ASCII"},
	{"feature/ü", "non-ASCII"},
	{"a\u00a0b", "non-ASCII"},
	{"\xff", "non-ASCII"},
}

func TestValidate(t *testing.T) {
	for _, ref := range goodRefs {
		if err := Validate(ref); err != nil {
			t.Errorf("Validate(%q) = %v", ref, err)
		}
	}
	for _, tc := range badRefs {
		err := Validate(tc.ref)
		if err == nil {
			t.Errorf("Validate(%q) accepted", tc.ref)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) || !strings.HasPrefix(err.Error(), "invalid ref ") {
			t.Errorf("Validate(%q) = %q, want it to say %q", tc.ref, err, tc.why)
		}
	}
}

func TestSHAAndPullRefs(t *testing.T) {
	full := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		ref               string
		full, short, pull bool
	}{
		{full, true, true, false},
		{"0123456", false, true, false},
		{"012345", false, false, false},
		{strings.ToUpper(full), false, false, false},
		{full + "0", false, false, false},
		{"refs/pull/12/head", false, false, true},
		{"refs/pull/12/merge", false, false, true},
		{"refs/pull/x/head", false, false, false},
		{"refs/pull/12/head/x", false, false, false},
		{"main", false, false, false},
	} {
		if IsFullSHA(tc.ref) != tc.full || IsShortSHA(tc.ref) != tc.short || IsPullRef(tc.ref) != tc.pull {
			t.Errorf("%q: full %v short %v pull %v, want %v %v %v", tc.ref, IsFullSHA(tc.ref), IsShortSHA(tc.ref), IsPullRef(tc.ref), tc.full, tc.short, tc.pull)
		}
	}
}

// randomRefs makes strings from an alphabet rich in the characters git's
// rules are about, with a fixed seed so failures reproduce.
func randomRefs(n int) []string {
	const alphabet = "ab1/./..@{}~^:?*[\\-_ lockLOCK\t$();`'\"#,=+%!"
	r := rand.New(rand.NewSource(1))
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 1+r.Intn(12))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

// Everything Validate accepts, git check-ref-format --allow-onelevel must
// accept too: the table above and random strings, of which Validate
// accepts a fair share.
func TestValidateAgreesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git not found")
	}
	inputs := append([]string{}, goodRefs...)
	for _, tc := range badRefs {
		inputs = append(inputs, tc.ref)
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	inputs = append(inputs, randomRefs(n)...)
	accepted := 0
	for _, ref := range inputs {
		if Validate(ref) != nil {
			continue
		}
		accepted++
		// Validate refuses a leading '-', so ref cannot be read as an option.
		if err := exec.Command(git, "check-ref-format", "--allow-onelevel", ref).Run(); err != nil {
			t.Errorf("Validate accepts %q, git check-ref-format refuses it: %v", ref, err)
		}
	}
	// The refused table is git's rules plus this package's own (leading
	// '-', non-ASCII, length): git must refuse every ref refused by a git rule.
	ours := []string{"starts with '-'", "non-ASCII", "longer than"}
	gitRules := 0
	for _, tc := range badRefs {
		if slices.ContainsFunc(ours, func(o string) bool { return strings.Contains(tc.why, o) }) {
			continue
		}
		gitRules++
		if exec.Command(git, "check-ref-format", "--allow-onelevel", tc.ref).Run() == nil {
			t.Errorf("%q is refused for %s, which git allows", tc.ref, tc.why)
		}
	}
	t.Logf("%d inputs, %d accepted by Validate and by git; %d refused by both", len(inputs), accepted, gitRules)
	if accepted < len(goodRefs)+n/20 {
		t.Errorf("only %d accepted: the random inputs test too little", accepted)
	}
}

func TestValidateRepo(t *testing.T) {
	for _, repo := range []string{
		"https://github.com/o/r", "https://github.com/o/r.git", "https://gitlab.example:8443/g/o/r",
		"ssh://git@github.com/o/r.git", "ssh://github.com:22/o/r",
		"git@github.com:o/r.git", "git@github.com:o/r", "deploy.bot@host.example:~/r",
		"file:///srv/git/r", "/srv/git/r", "./r", "../r", "r", "dir/with:colon",
	} {
		if err := ValidateRepo(repo); err != nil {
			t.Errorf("ValidateRepo(%q) = %v", repo, err)
		}
	}
	for _, tc := range []struct{ repo, why string }{
		{"", "empty"},
		{"-x", "starts with '-'"},
		{"--upload-pack=touch /tmp/x", "starts with '-'"},
		{"http://github.com/o/r", `scheme "http"`},
		{"git://github.com/o/r", `scheme "git"`},
		{"ftp://host/r", `scheme "ftp"`},
		{"ext::sh -c touch% /tmp/x", "whitespace"},
		{"ext::sh", "remote-helper"},
		{"fd::3", "remote-helper"},
		{"https://user:hunter2@github.com/o/r", "credentials"},
		{"ssh://git:hunter2@host/r", "credentials"},
		{"https://ghp_token@github.com/o/r", "user info"},
		{"https:///o/r", "no host"},
		{"ssh:///r", "no host"},
		{"ssh://-oProxyCommand=x/r", "ssh option"},
		{"ssh://-oProxyCommand@host/r", "ssh option"},
		{"https://github.com/o/r\n", "whitespace"},
		{"a\x00b", "control"},
		{"host.example:r", "scp-like"},
		{"host:", "scp-like"},
		{"c:r", "scp-like"},
		{"https://%zz/r", "not a URL"},
	} {
		err := ValidateRepo(tc.repo)
		if err == nil {
			t.Errorf("ValidateRepo(%q) accepted", tc.repo)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidateRepo(%q) = %q, want it to say %q", tc.repo, err, tc.why)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "ghp_token") {
			t.Errorf("ValidateRepo(%q) leaks a secret: %q", tc.repo, err)
		}
	}
}

func TestRepoKinds(t *testing.T) {
	for _, tc := range []struct {
		repo  string
		local bool
	}{
		{"https://github.com/o/r", false},
		{"ssh://git@github.com/o/r", false},
		{"git@github.com:o/r", false},
		{"file:///srv/r", true},
		{"/srv/r", true},
		{"../r", true},
		{"dir/with:colon", true},
	} {
		if IsLocal(tc.repo) != tc.local {
			t.Errorf("%q: local %v, want %v", tc.repo, IsLocal(tc.repo), tc.local)
		}
	}
	for in, want := range map[string]string{
		"https://user:pw@github.com/o/r": "https://REDACTED@github.com/o/r",
		"https://github.com/o/r":         "https://github.com/o/r",
		"git@github.com:o/r":             "git@github.com:o/r",
		"/srv/r":                         "/srv/r",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// tokenHosts: URL -> whether a token may go there.
var tokenHosts = map[string]bool{
	"https://github.com/o/r":          true,
	"https://github.com/o/r.git":      true,
	"https://GitHub.com/o/r":          true,
	"HTTPS://github.com/o/r":          true,
	"https://github.com:443/o/r":      true,
	"https://github.com":              true,
	"https://github.com:8443/o/r":     false,
	"https://github.com.example/o/r":  false,
	"https://github.com@example.com/": false,
	"https://x@github.com/o/r":        false, // git would match; ValidateRepo refuses user info anyway
	"https://api.github.com/o/r":      false,
	"https://gitlab.example/o/r":      false,
	"https://example.com/github.com/": false,
	"http://github.com/o/r":           false,
	"ssh://git@github.com/o/r":        false,
	"git@github.com:o/r":              false,
	"file:///srv/github.com/r":        false,
	"/srv/github.com/r":               false,
	"https://%zz/r":                   false,
}

func TestTokenHost(t *testing.T) {
	for repo, want := range tokenHosts {
		if got := TokenHost(repo); got != want {
			t.Errorf("TokenHost(%q) = %v, want %v", repo, got, want)
		}
	}
}

// TestTokenHostAgreesWithGit: every URL TokenHost accepts is one the host
// runner's http.https://github.com/.extraheader applies to, and every URL
// without user info that it applies to is accepted (git config
// --get-urlmatch decides as git's http transport does).
func TestTokenHostAgreesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git not found")
	}
	for repo := range tokenHosts {
		if !strings.Contains(repo, "://") || strings.Contains(repo, "%zz") {
			continue // not URLs git's urlmatch reads
		}
		out, _ := exec.Command(git, "-c", "http.https://github.com/.extraheader=HIT", "config", "--get-urlmatch", "http.extraheader", repo).Output()
		gitSends := strings.TrimSpace(string(out)) == "HIT"
		switch {
		case TokenHost(repo) && !gitSends:
			t.Errorf("TokenHost(%q) but git would not send the header there", repo)
		case gitSends && !TokenHost(repo) && !strings.Contains(repo, "@"):
			t.Errorf("git sends the header to %q, TokenHost refuses it", repo)
		}
	}
}

func TestValidateRedactsCredentials(t *testing.T) {
	err := Validate("https://u:hunter2@github.com/o/r")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Validate of a credential URL as a ref: %v", err)
	}
}
