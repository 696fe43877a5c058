def classify(order):
    if order["total"] > 1000:
        if order["country"] == "US":
            if order["express"]:
                return "us-express-large"
            return "us-large"
        elif order["country"] == "DE":
            if order["express"]:
                return "de-express-large"
            return "de-large"
        else:
            return "intl-large"
    elif order["total"] > 100:
        if order["express"] and order["gift"]:
            return "mid-express-gift"
        elif order["express"]:
            return "mid-express"
        elif order["gift"]:
            return "mid-gift"
        return "mid"
    else:
        if order["coupon"] and order["express"]:
            return "small-coupon-express"
        return "small"


def summarize(orders):
    lines = []
    for o in orders:
        lines.append(f"{o['id']}: {classify(o)}")
    return "\n".join(lines)


def export(orders, path):
    with open(path, "w") as fh:
        fh.write(summarize(orders))
    return path
