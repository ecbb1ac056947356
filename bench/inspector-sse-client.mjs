// The inspector bench's client, in its own process as a browser would be: follows
// `${url}/inspector/events`, prints "open" once the stream's first state arrived, then reads a
// target seq from stdin and exits after printing how many log events it received once the event
// with that seq has arrived.
const url = process.argv[2];
let lastId = 0;
let received = 0;
let target = Number.POSITIVE_INFINITY;
let open = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  target = Number(String(d).trim());
  done();
});
function done() {
  if (lastId >= target) {
    process.stdout.write(`received ${received} ${lastId}\n`);
    process.exit(0);
  }
}
const res = await fetch(`${url}/inspector/events`, { headers: { accept: 'text/event-stream' } });
const decoder = new TextDecoder();
let buffer = '';
for await (const chunk of res.body) {
  buffer += decoder.decode(chunk, { stream: true });
  const end = buffer.lastIndexOf('\n\n');
  if (end < 0) continue;
  const complete = buffer.slice(0, end);
  buffer = buffer.slice(end + 2);
  for (const line of complete.split('\n')) {
    if (line.startsWith('id: ')) {
      lastId = Number(line.slice(4));
      received++;
    } else if (!open && line === 'event: state') {
      open = true;
      process.stdout.write('open\n');
    }
  }
  done();
}
