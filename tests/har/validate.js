// validate.js - test-only: checks a HAR file against the HAR 1.2 schema
// (har-validator) and the rules stagemock adds: integers where HAR wants
// integers, timings that add up to time, base64 that decodes.
//   node validate.js FILE   -> exit 0 and "valid: N entries", else exit 1
'use strict'
const fs = require('fs')
const validator = require('har-validator')

const path = process.argv[2]
const raw = fs.readFileSync(path)
const text = raw.toString('utf8')
if (!Buffer.from(text, 'utf8').equals(raw)) {
  console.error(`${path}: not valid UTF-8`)
  process.exit(1)
}
const har = JSON.parse(text)
const problems = []
const isInt = (v) => Number.isInteger(v)
const b64 = /^[A-Za-z0-9+/]*={0,2}$/
har.log.entries.forEach((e, i) => {
  const at = `entries[${i}]`
  for (const [k, v] of [['request.headersSize', e.request.headersSize],
    ['request.bodySize', e.request.bodySize], ['response.status', e.response.status],
    ['response.bodySize', e.response.bodySize], ['response.content.size', e.response.content.size]]) {
    if (!isInt(v)) problems.push(`${at}.${k}: ${v} is not an integer`)
  }
  const t = e.timings
  const sum = [t.send, t.wait, t.receive].reduce((a, b) => a + b, 0)
  if (Math.abs(sum - e.time) > 0.01) problems.push(`${at}: timings add up to ${sum}, time is ${e.time}`)
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || v < -1) problems.push(`${at}.timings.${k}: ${v}`)
  }
  const c = e.response.content
  if (c.encoding === 'base64' && !b64.test(c.text || '')) problems.push(`${at}: content is not base64`)
  const pd = e.request.postData
  if (pd && pd._encoding === 'base64' && !b64.test(pd.text || '')) problems.push(`${at}: postData is not base64`)
})
validator.har(har).then(() => {
  if (problems.length) {
    console.error(problems.join('\n'))
    process.exit(1)
  }
  console.log(`valid: ${har.log.entries.length} entries`)
}, (err) => {
  console.error(`${path}: not HAR 1.2: ${JSON.stringify(err.errors, null, 1)}`)
  process.exit(1)
})
