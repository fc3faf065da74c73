// Starts `carbon-check lsp` for .rules files: diagnostics, hover, go to definition, completion, formatting
// and the outline come from the language server; highlighting from the TextMate grammar alone.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("carbonCheck").get("command") || "carbon-check";
  client = new LanguageClient(
    "carbon-check",
    "carbon-check",
    { command, args: ["lsp", "--stdio"] },
    { documentSelector: [{ scheme: "file", language: "carbon-check" }, { scheme: "untitled", language: "carbon-check" }] },
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
