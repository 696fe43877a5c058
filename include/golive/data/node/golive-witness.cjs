'use strict'
/*
 * golive's witness of an untrusted Node test run, preloaded into every Node process of the run with
 * NODE_OPTIONS=--require <this file> (before npm, nyc/c8, the runner and the package's own --require
 * hooks). It appends one JSON line per event to witness.jsonl next to this file, in a directory only
 * golive creates:
 * - each process's start, the exit code it began to exit with and the one it ends with;
 * - mocha: each run of a Runner with the tests that passed and failed as the runner emitted them
 *   (listeners of golive's own, attached when the run starts), the run's end, and the Runner/Runnable
 *   methods, event emitter or golive listeners the package replaced or removed after this file loaded;
 * - node:test: the same from a reporter of golive's own (this module's export, named with
 *   --test-reporter in NODE_OPTIONS), and whether each test file's own process ran to its end;
 * - jest (27 to 30): each run and its end in jest's main process, and each test file's result in the
 *   process or worker thread that ran it (records of a worker thread carry its threadId).
 * golive compares this record with the runner's summary lines and the exit status
 * (golive.analyzers.code.nodewitness). Node built-ins only.
 */
const fs = require('fs')
const path = require('path')
const Module = require('module')
const { EventEmitter } = require('events')
const { threadId } = require('worker_threads')

const RECORD = path.join(__dirname, 'witness.jsonl')
const emit = EventEmitter.prototype.emit
const on = EventEmitter.prototype.on
const listeners = EventEmitter.prototype.listeners
const stringify = JSON.stringify
const hasOwn = Object.prototype.hasOwnProperty
const writeSync = fs.writeSync
let fd = null
try {
  fd = fs.openSync(RECORD, 'a', 0o600)
} catch (error) {
  fd = null
}

function write (record) {
  if (fd === null) return
  record.pid = process.pid
  // a worker thread (jest's workerThreads) shares its process's pid
  if (threadId) record.thread = threadId
  try {
    writeSync(fd, stringify(record) + '\n')
  } catch (error) {
    // the run goes on: a record that lacks its end is what golive reads as tampering
  }
}

write({ event: 'start', ppid: process.ppid })

const runs = []
const expected = []

function remember (owner, label) {
  const methods = new Map()
  for (const name of Object.getOwnPropertyNames(owner)) methods.set(name, Object.getOwnPropertyDescriptor(owner, name).value)
  expected.push([owner, label, methods])
}

function replaced () {
  const found = []
  for (const [owner, label, methods] of expected) {
    for (const name of Object.getOwnPropertyNames(owner)) {
      const value = Object.getOwnPropertyDescriptor(owner, name).value
      if (typeof value === 'function' && methods.get(name) !== value) found.push(`${label}.${name}`)
    }
    for (const [name, value] of methods) {
      if (typeof value === 'function' && !hasOwn.call(owner, name)) found.push(`${label}.${name}`)
    }
  }
  if (EventEmitter.prototype.emit !== emit) found.push('EventEmitter.prototype.emit')
  for (const run of runs) {
    for (const name of ['emit', 'fail', 'run', 'runTests', 'runTest']) {
      if (hasOwn.call(run.runner, name)) found.push(`the runner's own ${name}`)
    }
    for (const [event, listener] of run.listeners) {
      if (!listeners.call(run.runner, event).includes(listener)) found.push(`golive's '${event}' listener`)
    }
  }
  return [...new Set(found)]
}

function title (runnable) {
  try {
    return String(runnable.fullTitle())
  } catch (error) {
    return String(runnable && runnable.title)
  }
}

function watch (runner) {
  const run = { id: `mocha-${runs.length + 1}`, runner, ended: false, listeners: [] }
  runs.push(run)
  const listen = (event, listener) => {
    run.listeners.push([event, listener])
    on.call(runner, event, listener)
  }
  listen('pass', test => write({ event: 'pass', run: run.id, title: title(test) }))
  listen('fail', test => write({ event: 'fail', run: run.id, title: title(test) }))
  listen('end', () => {
    run.ended = true
    write({ event: 'end', run: run.id, replaced: replaced() })
  })
  // a worker of mocha --parallel exits 0 whatever its files did: the parent's exit status is the run's
  write({ event: 'run', run: run.id, runner: 'mocha', worker: WORKER.test(String(process.argv[1])) })
}

function patchRunner (Runner) {
  if (typeof Runner !== 'function' || typeof Runner.prototype.run !== 'function') return
  const original = Runner.prototype.run
  Runner.prototype.run = function run (...args) {
    watch(this)
    return original.apply(this, args)
  }
  remember(Runner.prototype, 'mocha Runner.prototype')
}

function patchRunnable (Runnable) {
  if (typeof Runnable === 'function') remember(Runnable.prototype, 'mocha Runnable.prototype')
}

// jest (27 to 30): the per-file results in the outer Node context of the process that ran each file, which
// the test files' vm sandbox does not share. A jest run is a call of @jest/core's runCLI in jest's main
// process, ended when it resolves (after globalTeardown and the testResultsProcessor) with the results
// jest's exit status comes from; its files' results as @jest/test-result's addResult aggregates them (in
// band, where the main process runs the files, these are the files' own results; with workers, relayed
// copies); in a jest-worker process, each call of jest-runner's testWorker `worker` (one test file) and the
// result it resolves with, before it goes back to the main process over IPC.
const JEST_CORE = /[\\/]@jest[\\/]core[\\/]build[\\/](index|jest)\.js$/
const JEST_RESULT = /[\\/]@jest[\\/]test-result[\\/]build[\\/]index\.js$/
const JEST_WORKER = /[\\/]jest-runner[\\/]build[\\/]testWorker\.js$/
let jestRuns = 0
let jestRun = null
let jestWorker = null

// a copy of a module's exports with `name` wrapped: the originals' exports are getters (babel, webpack)
// that cannot be redefined, and the copy's wrapped function cannot be reassigned
function wrapExport (exports, name, wrap) {
  if (!exports || typeof exports[name] !== 'function') return exports
  const copy = {}
  for (const key of Object.getOwnPropertyNames(exports)) {
    if (key !== name) Object.defineProperty(copy, key, { enumerable: true, get: () => exports[key] })
  }
  Object.defineProperty(copy, name, { enumerable: true, value: wrap(exports[name]) })
  return copy
}

function fileResult (run, file, result) {
  const failed = []
  const tests = (result && Array.isArray(result.testResults)) ? result.testResults : []
  for (const test of tests) {
    if (test && test.status === 'failed') failed.push(String(test.fullName || test.title))
  }
  // the larger of the count and the failed tests listed: either is the sandbox's to understate
  const failing = Number(result && result.numFailingTests) || 0
  while (failed.length < failing) failed.push(String(file))
  write({ event: 'jest-file', run, file: String(file), passed: Number(result && result.numPassingTests) || 0,
          failed, error: Boolean(result && result.testExecError) })
}

function patchJestCore (exports) {
  return wrapExport(exports, 'runCLI', runCLI => async function (...args) {
    const run = jestRun = `jest-${++jestRuns}`
    write({ event: 'run', run, runner: 'jest' })
    const outcome = await runCLI.apply(this, args)
    const results = (outcome && outcome.results) || {}
    write({ event: 'end', run, success: results.success === true })
    return outcome
  })
}

function patchJestResult (exports) {
  return wrapExport(exports, 'addResult', addResult => function (aggregated, result) {
    if (jestRun === null) {
      jestRun = `jest-${++jestRuns}`
      write({ event: 'run', run: jestRun, runner: 'jest' })
    }
    fileResult(jestRun, result && result.testFilePath, result)
    return addResult.apply(this, arguments)
  })
}

function patchJestWorker (exports) {
  return wrapExport(exports, 'worker', worker => function (request) {
    if (jestWorker === null) {
      jestWorker = 'jest-worker'
      write({ event: 'run', run: jestWorker, runner: 'jest', worker: true })
    }
    const file = String(request && request.path)
    return Promise.resolve(worker.apply(this, arguments)).then(result => {
      fileResult(jestWorker, file, result)
      return result
    }, error => {
      write({ event: 'jest-file', run: jestWorker, file, passed: 0, failed: [], error: true })
      throw error
    })
  })
}

const MOCHA = `${path.sep}mocha${path.sep}lib${path.sep}`
const WORKER = /[\\/]mocha[\\/]lib[\\/]nodejs[\\/]worker\.js$/
const loadJs = Module._extensions['.js']
Module._extensions['.js'] = function (module, filename) {
  const result = loadJs.apply(this, arguments)
  if (filename.endsWith(`${MOCHA}runner.js`)) patchRunner(module.exports)
  else if (filename.endsWith(`${MOCHA}runnable.js`)) patchRunnable(module.exports)
  else if (JEST_CORE.test(filename)) module.exports = patchJestCore(module.exports)
  else if (JEST_RESULT.test(filename)) module.exports = patchJestResult(module.exports)
  else if (JEST_WORKER.test(filename)) module.exports = patchJestWorker(module.exports)
  return result
}

// node:test: golive names this module as a reporter too (--test-reporter in NODE_OPTIONS); the tests that
// passed and failed as the summary counts them (not suites, skipped, todo or cancelled ones)
let reporting = 0
module.exports = async function * golive (source) {
  const run = `node:test-${++reporting}`
  write({ event: 'run', run, runner: 'node:test' })
  for await (const { type, data } of source) {
    if (type !== 'test:pass' && type !== 'test:fail') continue
    const details = data.details || {}
    if (details.type === 'suite' || data.skip || data.todo) continue
    if (type === 'test:fail' && details.error && details.error.failureType === 'cancelledByParent') continue
    write({ event: type === 'test:pass' ? 'pass' : 'fail', run, title: String(data.name) })
  }
  write({ event: 'end', run })
}

// a test file node --test runs in a process of its own (which reports to its parent, not to reporters):
// its end is the event loop draining ('beforeExit'), which a process.exit() inside a test never reaches
if (process.env.NODE_TEST_CONTEXT) {
  write({ event: 'run', run: 'node:test-file', runner: 'node:test file' })
  process.once('beforeExit', () => write({ event: 'end', run: 'node:test-file' }))
}

// the code the process began to exit with (this listener is the first), and the one it exits with once
// every other 'exit' listener ran (read after process.emit('exit') returns)
let exiting = null
process.on('exit', code => {
  exiting = code
})
const processEmit = process.emit
process.emit = function (event) {
  const result = processEmit.apply(this, arguments)
  if (event === 'exit') {
    write({ event: 'exit', began: exiting, code: process.exitCode === undefined ? exiting : process.exitCode,
            replaced: runs.length ? replaced() : [] })
  }
  return result
}
