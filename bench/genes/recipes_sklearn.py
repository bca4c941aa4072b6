"""scikit-learn side of the gene recipe table in BENCHMARKS.md: for each
recipe (after the scale's log + filter: Golub floor 100, ceiling 16000,
Dudoit filter, log10; Khan as shipped, already log ratios), the mean ARI of
KMeans(n_init=10, random_state=0..9) and the ARI of the least-inertia
partition found (best of those and one n_init=200 run). Run from the
repository root:

    /work/venv/bin/python bench/genes/recipes_sklearn.py
"""
import numpy as np, pandas as pd, itertools, sys
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score as ari
R="datasets/genes/"
def load(p):
    d=pd.read_csv(p); cols=[c for c in d.columns if c not in("Gene Description","Gene Accession Number") and not c.startswith("call")]; return d[cols]
d=pd.concat([load(R+"data_set_ALL_AML_train.csv.gz"),load(R+"data_set_ALL_AML_independent.csv.gz")],axis=1)
d=d[sorted(d.columns,key=int)]
yg=pd.read_csv(R+"actual.csv").cancer.values
g=np.clip(d.values.T.astype(float),100,16000)
keep=(g.max(0)/g.min(0)>5)&(g.max(0)-g.min(0)>500)
G=np.log10(g[:,keep])
K=np.vstack([pd.read_csv(R+"Khan_xtrain.csv.gz").values,pd.read_csv(R+"Khan_xtest.csv.gz").values]).astype(float)
yk=np.concatenate([pd.read_csv(R+"Khan_ytrain.csv").x.values,pd.read_csv(R+"Khan_ytest.csv").x.values])
def zs(x): return (x-x.mean(1,keepdims=True))/x.std(1,keepdims=True)
def zg(x):
    s=x.std(0); s[s==0]=1; return (x-x.mean(0))/s
def cg(x): return x-x.mean(0)
def topv(x,n): i=np.argsort(-x.var(0),kind="stable")[:n]; return x[:,np.sort(i)]
def pca(x,n):
    xc=x-x.mean(0); u,s,vt=np.linalg.svd(xc,full_matrices=False); return u[:,:n]*s[:n]
def l2(x): return x/np.linalg.norm(x,axis=1,keepdims=True)
recipes={
 "z-sample":lambda x:zs(x),
 "z-gene":lambda x:zg(x),
 "center-gene, z-sample":lambda x:zs(cg(x)),
}
for n in [50,100,200,500,1000]:
    recipes[f"top{n}, z-sample"]=lambda x,n=n:zs(topv(x,n))
    recipes[f"top{n}, z-gene"]=lambda x,n=n:zg(topv(x,n))
    recipes[f"top{n}, center-gene, z-sample"]=lambda x,n=n:zs(cg(topv(x,n)))
    recipes[f"top{n}"]=lambda x,n=n:topv(x,n)
for c in [2,3,5,10]:
    recipes[f"z-gene, pca{c}"]=lambda x,c=c:pca(zg(x),c)
    recipes[f"z-sample, pca{c}"]=lambda x,c=c:pca(zs(x),c)
    recipes[f"pca{c}"]=lambda x,c=c:pca(x,c)
recipes["raw"]=lambda x:x
def ev(x,y,k):
    runs=[KMeans(k,n_init=10,random_state=s).fit(x) for s in range(10)]
    best=min(runs,key=lambda r:r.inertia_)
    b2=KMeans(k,n_init=200,random_state=123).fit(x)
    if b2.inertia_<best.inertia_: best=b2
    return np.mean([ari(y,r.labels_) for r in runs]), ari(y,best.labels_)
print("recipe | golub mean10 | golub opt | khan mean10 | khan opt")
for name,f in recipes.items():
    a=ev(f(G),yg,2); b=ev(f(K),yk,4)
    print(f"{name:32s} | {a[0]:.4f} | {a[1]:.4f} | {b[0]:.4f} | {b[1]:.4f}",flush=True)
