-- wrk script for benches/service.sh: POST one routing request (no agent updates) to
-- /v1/route of a service that was reset beforehand.
wrk.method = "POST"
wrk.path = "/v1/route"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"class":"pre_sale","t_us":0}'
