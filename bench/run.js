// The benchmark runner. Scenarios arrive with the local org and the sync; until then it says so.
console.error('sfsync bench: no scenarios yet (they arrive with the local org and the sync engine).');
