package enginetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest/session"
)

func post(t *testing.T, token, query string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+session.Listener().Addr().String()+"/query", strings.NewReader(string(body)))
	req.SetBasicAuth(token, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out) // error bodies are plain text: out stays nil
	return resp.StatusCode, out
}

func TestEngine(t *testing.T) {
	e := Use(t, func(c Chain) (any, error) {
		if c.Leaf().Name == "exitCode" {
			return nil, ExecError([]string{"false"}, 1, "", "boom")
		}
		return "v:" + c.String(), nil
	})
	if code, _ := post(t, "wrong", "query Query {version}"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: status %d", code)
	}
	_, out := post(t, session.Token, `query Query {container{from(address:"img"){id}}}`)
	id := out["data"].(map[string]any)["container"].(map[string]any)["from"].(map[string]any)["id"].(string)
	_, out = post(t, session.Token, `query Query {node(id:"`+id+`"){... on Container{withExec(args:["a","b"]){stdout}}}}`)
	got := out["data"].(map[string]any)["node"].(map[string]any)["withExec"].(map[string]any)["stdout"]
	if want := `v:container.from{"address":"img"}.withExec{"args":["a","b"]}.stdout`; got != want {
		t.Errorf("node(id:) expansion: %v, want %s", got, want)
	}
	_, out = post(t, session.Token, `query Query {container{exitCode}}`)
	errs := out["errors"].([]any)
	ext := errs[0].(map[string]any)["extensions"].(map[string]any)
	if ext["_type"] != "EXEC_ERROR" || ext["stderr"] != "boom" || ext["exitCode"].(float64) != 1 {
		t.Errorf("exec error extensions %v", ext)
	}
	if q := e.Queries(); len(q) != 3 || !q[1].Chain.Has("container", "from", "withExec", "stdout") {
		t.Errorf("recorded %v", q)
	}
	if _, out := post(t, session.Token, `query Query {node(id:"nope"){... on Container{id}}}`); out["errors"] == nil {
		t.Error("unknown node id answered")
	}
}
