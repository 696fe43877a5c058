"""Inventory items of the signed-in user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from app.schemas import ErrorOut, ItemIn, ItemOut, ItemPage
from app.services import CurrentUser, ServicesDep
from app.store import Conflict, Item

router = APIRouter(
    prefix="/api/v1/items",
    tags=["items"],
    responses={401: {"model": ErrorOut, "description": "Missing or invalid bearer token"}},
)
ItemId = Annotated[int, Path(ge=1, le=2**53, description="Item id.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such item"}}


def _out(item: Item) -> ItemOut:
    """Convert a stored item to its response model."""
    return ItemOut(
        id=item.id,
        name=item.name,
        sku=item.sku,
        quantity=item.quantity,
        price_cents=item.price_cents,
        description=item.description,
        created_at=item.created_at,
    )


def _not_found(item_id: int) -> HTTPException:
    """The 404 for an item the caller does not own or that does not exist."""
    return HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=f"item {item_id} not found")


@router.get("", response_model=ItemPage, summary="List my items")
def list_items(
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ItemPage:
    """Return one page of the caller's items, oldest first."""
    items, total = services.items.list(user, limit=limit, offset=offset)
    return ItemPage(items=[_out(i) for i in items], total=total, limit=limit, offset=offset)


@router.post(
    "",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        400: {"model": ErrorOut, "description": "Body is not valid JSON"},
        409: {"model": ErrorOut, "description": "SKU already used by another of my items"},
    },
    summary="Create an item",
)
def create_item(body: ItemIn, user: CurrentUser, services: ServicesDep) -> ItemOut:
    """Store a new item owned by the caller."""
    draft = Item(id=0, owner=user, **body.model_dump())
    try:
        return _out(services.items.create(draft))
    except Conflict as exc:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from None


@router.get("/{item_id}", response_model=ItemOut, responses=NOT_FOUND, summary="Get one of my items")
def get_item(item_id: ItemId, user: CurrentUser, services: ServicesDep) -> ItemOut:
    """Return the caller's item ``item_id``."""
    item = services.items.get(user, item_id)
    if item is None:
        raise _not_found(item_id)
    return _out(item)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
    summary="Delete one of my items",
)
def delete_item(item_id: ItemId, user: CurrentUser, services: ServicesDep) -> Response:
    """Delete the caller's item ``item_id``."""
    if not services.items.delete(user, item_id):
        raise _not_found(item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
