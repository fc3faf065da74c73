// Runs the extension's activate() and deactivate() as VS Code would, with `vscode` and
// `vscode-languageclient/node` replaced by stand-ins that record what the extension asks for; prints it as
// JSON. Usage: node activate.js [COMMAND]  (COMMAND: the `carbonCheck.command` setting, unset if absent).
const Module = require("module");
const path = require("path");

const setting = process.argv[2];
const recorded = { clients: [], started: 0, stopped: 0, asked: [] };
const stand_ins = {
  vscode: {
    workspace: {
      getConfiguration: (section) => ({
        get: (key) => { recorded.asked.push(`${section}.${key}`); return setting; },
      }),
    },
  },
  "vscode-languageclient/node": {
    LanguageClient: class {
      constructor(id, name, serverOptions, clientOptions) {
        recorded.clients.push({ id, name, serverOptions, clientOptions });
      }
      start() { recorded.started += 1; return Promise.resolve(); }
      stop() { recorded.stopped += 1; return Promise.resolve(); }
    },
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in stand_ins ? stand_ins[request] : load.call(this, request, ...rest);
};

const extension = require(path.join(__dirname, "..", "extension.js"));
Promise.resolve(extension.activate({ subscriptions: [] }))
  .then(() => extension.deactivate())
  .then(() => process.stdout.write(JSON.stringify(recorded)));
