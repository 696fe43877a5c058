'use strict'
/*
 * golive's witness of an untrusted Node test run, preloaded into every Node process of the run with
 * NODE_OPTIONS=--require <this file> (before npm, nyc/c8, the runner and the package's own --require
 * hooks). It appends one JSON line per event to witness.jsonl next to this file (a directory only golive
 * writes): each process's start and the exit code it began to exit with and the one it ends with; for mocha, every run of a Runner with
 * the tests that passed and failed as the runner emitted them (listeners of golive's own, attached when
 * the run starts), the run's end, and whether the package replaced mocha's Runner or Runnable methods,
 * the event emitter, or removed golive's listeners after this file patched them. golive compares this
 * record with the runner's summary lines and the process's exit status
 * (golive.analyzers.code.nodewitness). Node built-ins only.
 */
const fs = require('fs')
const path = require('path')
const Module = require('module')
const { EventEmitter } = require('events')

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
  try {
    writeSync(fd, stringify(record) + '\n')
  } catch (error) {
    // the run goes on: a record that lacks its end is what golive reads as tampering
  }
}

write({ event: 'start', ppid: process.ppid, argv: process.argv.slice(1, 3) })

const runs = []
const expected = []

function remember (owner, label) {
  const names = Object.getOwnPropertyNames(owner)
  expected.push([owner, label, new Map(names.map(name => [name, Object.getOwnPropertyDescriptor(owner, name).value]))])
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
  const run = { id: runs.length + 1, runner, ended: false, listeners: [] }
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
  write({ event: 'run', run: run.id, runner: 'mocha' })
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

const MOCHA = `${path.sep}mocha${path.sep}lib${path.sep}`
const loadJs = Module._extensions['.js']
Module._extensions['.js'] = function (module, filename) {
  const result = loadJs.apply(this, arguments)
  if (filename.endsWith(`${MOCHA}runner.js`)) patchRunner(module.exports)
  else if (filename.endsWith(`${MOCHA}runnable.js`)) patchRunnable(module.exports)
  return result
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
