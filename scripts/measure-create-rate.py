#!/usr/bin/env python3
# Schedules created per second against ./run.sh: single creates (with the default per-key limit) and batches of 1,000.
# Run from the repository root while ./run.sh runs: python3 scripts/measure-create-rate.py
import http.client, json, time, sys, os
key=open('.data/api-key').read().strip()
H={'content-type':'application/json','authorization':'Bearer '+key}
def sched(name): return {"name":name,"delay":"24h","target":{"type":"webhook","url":"http://localhost:5003/echo","body":{"order":name}}}
c=http.client.HTTPConnection('localhost',8080)
def post(path, body):
    while True:
        c.request('POST', path, json.dumps(body), H); r=c.getresponse(); data=r.read()
        if r.status==429:
            time.sleep(float(r.getheader('Retry-After') or 1)); continue
        return r.status, data
run=str(int(time.time()))
n=500; t=time.time(); limited=0
for i in range(n):
    s,_=post('/api/v1/schedules', sched(f"single-{run}-{i}")); assert s==201, s
single=time.time()-t
t=time.time()
for b in range(10):
    s,d=post('/api/v1/schedules/batch', {"items":[sched(f"batch-{run}-{b}-{i}") for i in range(1000)]}); assert s==200, (s,d[:300])
    assert json.loads(d)['created']==1000
batch=time.time()-t
print(f"single creates (one request each, default limit 50/s burst 100): {n} in {single:.1f} s = {n/single:.0f}/s")
print(f"batch creates (1,000 per request): 10,000 in {batch:.1f} s = {10000/batch:.0f}/s ({batch/10*1000:.0f} ms per batch)")
