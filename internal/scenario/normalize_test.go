package scenario

import (
	"testing"
)

func TestPromptTexts(t *testing.T) {
	src := "# a model's scenario: pxOS> stays in comments\n" +
		"wait \"pxOS>\"\n" +
		"type \"pxOS> is typed as is\\n\"\n" +
		"expect-row 1 \"pxOS> help\"\n" +
		"expect \"Commands:\"\n" +
		"expect-not \"pxOS> foo\"\n" +
		"expect-row 2 \"pxOS> \"\r\n" +
		"expect \"1 pxOS> 2 pxOS> 3\"\n" +
		"cursor 1 6\n" +
		"expect \"pxOSX\"\n" +
		"bogus \"pxOS>\"\n"
	want := "# a model's scenario: pxOS> stays in comments\n" +
		"wait \"{prompt}\"\n" +
		"type \"pxOS> is typed as is\\n\"\n" +
		"expect-row 1 \"{prompt}help\"\n" +
		"expect \"Commands:\"\n" +
		"expect-not \"pxOS> foo\"\n" +
		"expect-row 2 \"{prompt}\"\r\n" +
		"expect \"1 {prompt}2 {prompt}3\"\n" +
		"cursor 1 6\n" +
		"expect \"pxOSX\"\n" +
		"bogus \"pxOS>\"\n"
	if got := string(PromptTexts([]byte(src), DefaultPrompt)); got != want {
		t.Errorf("PromptTexts:\n%s\nwant:\n%s", got, want)
	}
	if _, err := Parse("x", PromptTexts([]byte(want[:len(want)-len("bogus \"pxOS>\"\n")]), DefaultPrompt)); err != nil {
		t.Errorf("the result does not parse: %v", err)
	}
}
