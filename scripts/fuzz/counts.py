import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[2]):
    ev = json.loads(line)
    c[next(iter(ev))] += 1
print(sys.argv[1], dict(c))
